package backup

import (
	"sort"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/esxi"
)

// Disk formats of the copies (Spec.DiskFormat) and provisionings of disks.
const (
	FormatThin        = "thin"
	FormatThick       = "thick" // lazily zeroed
	FormatEagerZeroed = "eager_zeroed"
)

// Controller families, shared with the VM package through esxi.
const (
	familySCSI = esxi.ControllerSCSI
	familySATA = esxi.ControllerSATA
	familyNVMe = esxi.ControllerNVMe
	familyIDE  = esxi.ControllerIDE
)

// srcDisk is one disk of the VM being backed up.
type srcDisk struct {
	dev    *types.VirtualDisk
	info   Disk
	file   string // backing file ("[ds] vm/vm.vmdk"), the current one of the chain
	rdm    bool
	extern bool // not a file ceso can copy
}

// busOf is the bus number of a controller (0 for anything else).
func busOf(d types.BaseVirtualDevice) int32 {
	if c, ok := d.(types.BaseVirtualController); ok {
		return c.GetVirtualController().BusNumber
	}
	return 0
}

// adapterType is the adapter model a restore recreates: the three models
// ceso_vm offers, anything else as vmxnet3.
func adapterType(d types.BaseVirtualDevice) string {
	switch t := esxi.AdapterType(d); t {
	case "vmxnet3", "e1000e", "e1000":
		return t
	}
	return "vmxnet3"
}

// describe reads the disks, controllers and NICs of a device list.
func describe(devices []types.BaseVirtualDevice, snap *esxi.Snapshot) (disks []srcDisk, ctrls []Controller, nics []NIC) {
	byKey := map[int32]types.BaseVirtualDevice{}
	for _, d := range devices {
		if fam := esxi.ControllerFamily(d); fam != "" {
			byKey[d.GetVirtualDevice().Key] = d
			c := Controller{Family: fam, Bus: busOf(d)}
			if fam == familySCSI {
				c.Model = esxi.SCSIType(d)
			}
			ctrls = append(ctrls, c)
		}
	}
	sort.Slice(ctrls, func(i, j int) bool {
		if ctrls[i].Family != ctrls[j].Family {
			return ctrls[i].Family < ctrls[j].Family
		}
		return ctrls[i].Bus < ctrls[j].Bus
	})
	for _, d := range devices {
		switch dev := d.(type) {
		case *types.VirtualDisk:
			sd := srcDisk{dev: dev}
			sd.info.CapacityBytes = dev.CapacityInBytes
			if sd.info.CapacityBytes == 0 {
				sd.info.CapacityBytes = dev.CapacityInKB * 1024
			}
			if c, ok := byKey[dev.ControllerKey]; ok {
				sd.info.Controller = esxi.ControllerFamily(c)
				sd.info.Bus = busOf(c)
			}
			if dev.UnitNumber != nil {
				sd.info.Unit = *dev.UnitNumber
			}
			if di := dev.DeviceInfo; di != nil {
				sd.info.Label = di.GetDescription().Label
			}
			sd.info.Provisioning = FormatThick
			switch b := dev.Backing.(type) {
			case *types.VirtualDiskFlatVer2BackingInfo:
				sd.file, sd.info.DiskMode = b.FileName, b.DiskMode
				switch {
				case b.ThinProvisioned != nil && *b.ThinProvisioned:
					sd.info.Provisioning = FormatThin
				case b.EagerlyScrub != nil && *b.EagerlyScrub:
					sd.info.Provisioning = FormatEagerZeroed
				}
			case *types.VirtualDiskSeSparseBackingInfo:
				sd.file, sd.info.DiskMode, sd.info.Provisioning = b.FileName, b.DiskMode, FormatThin
			case *types.VirtualDiskSparseVer2BackingInfo:
				sd.file, sd.info.DiskMode, sd.info.Provisioning = b.FileName, b.DiskMode, FormatThin
			case *types.VirtualDiskRawDiskMappingVer1BackingInfo:
				sd.file, sd.info.DiskMode, sd.rdm = b.FileName, b.DiskMode, true
			case types.BaseVirtualDeviceFileBackingInfo:
				sd.file = b.GetVirtualDeviceFileBackingInfo().FileName
			default:
				sd.extern = true
			}
			if sd.info.DiskMode == "" {
				sd.info.DiskMode = string(types.VirtualDiskModePersistent)
			}
			sd.info.Source = sd.file
			disks = append(disks, sd)
		case types.BaseVirtualEthernetCard:
			card := dev.GetVirtualEthernetCard()
			n := NIC{AdapterType: adapterType(d), MAC: card.MacAddress}
			switch b := card.Backing.(type) {
			case *types.VirtualEthernetCardNetworkBackingInfo:
				n.Network = b.DeviceName
				if b.Network != nil {
					for _, x := range snap.Networks {
						if x.Ref == *b.Network {
							n.Network = x.Name
						}
					}
				}
			case *types.VirtualEthernetCardDistributedVirtualPortBackingInfo:
				n.Network = b.Port.PortgroupKey
				for _, x := range snap.Networks {
					if x.Ref.Value == b.Port.PortgroupKey {
						n.Network = x.Name
					}
				}
			case *types.VirtualEthernetCardOpaqueNetworkBackingInfo:
				n.Network = b.OpaqueNetworkId
			}
			nics = append(nics, n)
		}
	}
	order := map[string]int{familySCSI: 0, familySATA: 1, familyNVMe: 2, familyIDE: 3}
	sort.SliceStable(disks, func(i, j int) bool {
		a, b := disks[i].info, disks[j].info
		if a.Controller != b.Controller {
			return order[a.Controller] < order[b.Controller]
		}
		if a.Bus != b.Bus {
			return a.Bus < b.Bus
		}
		return a.Unit < b.Unit
	})
	return disks, ctrls, nics
}

// independent reports whether a disk mode escapes snapshots.
func independent(mode string) bool {
	return mode == string(types.VirtualDiskModeIndependent_persistent) || mode == string(types.VirtualDiskModeIndependent_nonpersistent)
}

// devices rebuilds a device list from a manifest for a restore: the
// controllers, the disks backed by the backup's copies, and the NICs
// without their MAC addresses (a restored VM is a new machine).
func devices(m *Manifest, snap *esxi.Snapshot, dc string) []types.BaseVirtualDevice {
	var out []types.BaseVirtualDevice
	ctrlKey := map[[2]any]int32{}
	key := int32(1000)
	for _, c := range m.VM.Controllers {
		var d types.BaseVirtualDevice
		switch c.Family {
		case familySCSI:
			model := c.Model
			if model == "" {
				model = "pvscsi"
			}
			x, err := object.VirtualDeviceList{}.CreateSCSIController(model)
			if err != nil {
				continue
			}
			d = x
		case familySATA:
			d = &types.VirtualAHCIController{}
		case familyNVMe:
			d = &types.VirtualNVMEController{}
		case familyIDE:
			d = &types.VirtualIDEController{}
		default:
			continue
		}
		ctrl, ok := d.(types.BaseVirtualController)
		if !ok {
			continue
		}
		vc := ctrl.GetVirtualController()
		vc.Key, vc.BusNumber = key, c.Bus
		ctrlKey[[2]any{c.Family, c.Bus}] = key
		key++
		out = append(out, d)
	}
	for _, dk := range m.Disks {
		ck, ok := ctrlKey[[2]any{dk.Controller, dk.Bus}]
		if !ok {
			continue
		}
		file := m.Dir + "/" + dk.File
		var dsRef *types.ManagedObjectReference
		if l, err := ParseLocation(m.Dir); err == nil {
			if ds, err := snap.FindDatastore(l.Datastore, dc); err == nil {
				dsRef = &ds.Ref
			}
		}
		out = append(out, &types.VirtualDisk{
			VirtualDevice: types.VirtualDevice{
				Key: key, ControllerKey: ck, UnitNumber: types.NewInt32(dk.Unit),
				DeviceInfo: &types.Description{Label: dk.Label},
				Backing: &types.VirtualDiskFlatVer2BackingInfo{
					VirtualDeviceFileBackingInfo: types.VirtualDeviceFileBackingInfo{FileName: file, Datastore: dsRef},
					DiskMode:                     dk.DiskMode,
					ThinProvisioned:              types.NewBool(dk.Provisioning == FormatThin),
					EagerlyScrub:                 types.NewBool(dk.Provisioning == FormatEagerZeroed),
				},
			},
			CapacityInKB: dk.CapacityBytes / 1024, CapacityInBytes: dk.CapacityBytes,
		})
		key++
	}
	// The disks the backup left out come back empty, with their size: a
	// disk without a file, which the restore creates instead of copying.
	for _, dk := range m.Skipped {
		ck, ok := ctrlKey[[2]any{dk.Controller, dk.Bus}]
		if !ok {
			continue
		}
		// An independent disk keeps its mode; a raw device mapping's LUN is
		// not here, so it comes back as a plain disk of its size.
		mode := dk.DiskMode
		if mode == "" || dk.Reason == SkipRDM {
			mode = string(types.VirtualDiskModePersistent)
		}
		out = append(out, &types.VirtualDisk{
			VirtualDevice: types.VirtualDevice{
				Key: key, ControllerKey: ck, UnitNumber: types.NewInt32(dk.Unit),
				DeviceInfo: &types.Description{Label: dk.Label},
				Backing: &types.VirtualDiskFlatVer2BackingInfo{
					DiskMode:        mode,
					ThinProvisioned: types.NewBool(dk.Provisioning != FormatThick && dk.Provisioning != FormatEagerZeroed),
					EagerlyScrub:    types.NewBool(dk.Provisioning == FormatEagerZeroed),
				},
			},
			CapacityInKB: dk.CapacityBytes / 1024, CapacityInBytes: dk.CapacityBytes,
		})
		key++
	}
	for _, n := range m.VM.NICs {
		var dev types.BaseVirtualDevice
		switch n.AdapterType {
		case "e1000e":
			dev = &types.VirtualE1000e{}
		case "e1000":
			dev = &types.VirtualE1000{}
		default:
			dev = &types.VirtualVmxnet3{}
		}
		backing := &types.VirtualEthernetCardNetworkBackingInfo{VirtualDeviceDeviceBackingInfo: types.VirtualDeviceDeviceBackingInfo{DeviceName: n.Network}}
		if net, err := snap.FindNetwork(n.Network, dc); err == nil && net.Type == "Network" {
			ref := net.Ref
			backing.Network = &ref
		}
		card, ok := dev.(types.BaseVirtualEthernetCard)
		if !ok {
			continue
		}
		c := card.GetVirtualEthernetCard()
		c.Key, c.Backing = key, backing
		key++
		out = append(out, dev)
	}
	return out
}
