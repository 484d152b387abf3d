package vm

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/esxi"
)

// family describes one disk controller family: how many units a bus has and
// how many buses a VM may have.
type family struct {
	name string
	// perBus is the number of units a controller of the family has; for
	// SCSI it is the count of every type but PVSCSI, which has maxUnits on
	// hardware version 14 and later.
	perBus   int32
	maxUnits int32
	maxBuses int32
	reserved int32 // unit number the controller itself uses (-1: none)
}

var families = map[string]family{
	ControllerSCSI: {ControllerSCSI, 16, 64, 4, 7},
	ControllerSATA: {ControllerSATA, 30, 30, 4, -1},
	ControllerNVMe: {ControllerNVMe, 15, 15, 4, -1},
	ControllerIDE:  {ControllerIDE, 2, 2, 2, -1},
}

// pvscsiWideVersion is the first hardware version whose PVSCSI controllers
// have 64 targets (units 0 to 63) instead of 16.
const pvscsiWideVersion = 14

// slot is the position of a disk: family, controller bus and unit on it.
// It is the disk's identity: the unit number is never shared on one bus.
type slot struct {
	family string
	bus    int32
	unit   int32
}

// String is the form recorded in KeyKeepOnRemove, e.g. "scsi:0:20".
func (s slot) String() string {
	return s.family + ":" + strconv.Itoa(int(s.bus)) + ":" + strconv.Itoa(int(s.unit))
}

// legacySlot reads a schema version 0 unit number, which counted across
// the controllers of a family (bus × units per bus + unit).
func legacySlot(familyName string, number int32) slot {
	f := families[familyName]
	return slot{family: familyName, bus: number / f.perBus, unit: number % f.perBus}
}

// parseSlot reads a KeyKeepOnRemove entry: "scsi:0:20", or "scsi:17" as
// ceso wrote it before unit numbers became per bus.
func parseSlot(s string) (slot, bool) {
	parts := strings.Split(s, ":")
	if _, known := families[parts[0]]; !known || len(parts) < 2 || len(parts) > 3 {
		return slot{}, false
	}
	nums := make([]int32, 0, 2)
	for _, p := range parts[1:] {
		n, err := strconv.ParseInt(p, 10, 32)
		if err != nil || n < 0 {
			return slot{}, false
		}
		nums = append(nums, int32(n))
	}
	if len(nums) == 1 {
		return legacySlot(parts[0], nums[0]), true
	}
	return slot{family: parts[0], bus: nums[0], unit: nums[1]}, true
}

var scsiTypes = []string{"pvscsi", "lsilogic", "lsilogic-sas", "buslogic"}

// newController returns a new controller of the family (SCSI of scsiType)
// on bus, with a negative key.
func newController(fam, scsiType string, bus, key int32) (types.BaseVirtualDevice, error) {
	var d types.BaseVirtualDevice
	switch fam {
	case ControllerSCSI:
		if scsiType == "" {
			scsiType = "pvscsi"
		}
		c, err := object.VirtualDeviceList{}.CreateSCSIController(scsiType)
		if err != nil {
			return nil, err
		}
		if sc, ok := c.(types.BaseVirtualSCSIController); ok {
			sc.GetVirtualSCSIController().SharedBus = types.VirtualSCSISharingNoSharing
		}
		d = c
	case ControllerSATA:
		d = &types.VirtualAHCIController{}
	case ControllerNVMe:
		d = &types.VirtualNVMEController{}
	default:
		return nil, fmt.Errorf("ceso cannot add a %s controller", fam)
	}
	c := controllerOf(d)
	c.BusNumber = bus
	c.Key = key
	return d, nil
}

// controllers indexes a device list's disk controllers by family and bus.
type controllers map[slot]types.BaseVirtualDevice // unit is always 0

func indexControllers(devices []types.BaseVirtualDevice) (controllers, map[int32]types.BaseVirtualDevice) {
	ctrls := controllers{}
	byKey := map[int32]types.BaseVirtualDevice{}
	for _, d := range devices {
		if fam := esxi.ControllerFamily(d); fam != "" {
			bus := controllerOf(d).BusNumber
			ctrls[slot{family: fam, bus: bus}] = d
			byKey[d.GetVirtualDevice().Key] = d
		}
	}
	return ctrls, byKey
}

// diskInfo is what ceso knows of one attached disk.
type diskInfo struct {
	dev        *types.VirtualDisk
	slot       slot
	file       string
	datastore  string
	capacityKB int64
	thin       bool
	eager      bool
	label      string
	// outside is set (by the planner) for a disk outside the VM's folder:
	// an attached disk, which only an attach entry names by its path.
	outside bool
}

func (d diskInfo) provisioning() string {
	switch {
	case d.thin:
		return ProvisionThin
	case d.eager:
		return ProvisionEagerZeroed
	}
	return ProvisionThick
}

func diskCapacityKB(d *types.VirtualDisk) int64 {
	if d.CapacityInBytes > 0 {
		return d.CapacityInBytes / 1024
	}
	return d.CapacityInKB
}

// disks lists the VM's disks sorted by slot.
func disks(devices []types.BaseVirtualDevice) []diskInfo {
	_, byKey := indexControllers(devices)
	var out []diskInfo
	for _, d := range devices {
		disk, ok := d.(*types.VirtualDisk)
		if !ok {
			continue
		}
		info := diskInfo{dev: disk, capacityKB: diskCapacityKB(disk)}
		if c, ok := byKey[disk.ControllerKey]; ok {
			info.slot.family = esxi.ControllerFamily(c)
			info.slot.bus = controllerOf(c).BusNumber
		}
		if disk.UnitNumber != nil {
			info.slot.unit = *disk.UnitNumber
		}
		if di := disk.DeviceInfo; di != nil {
			info.label = di.GetDescription().Label
		}
		switch b := disk.Backing.(type) {
		case *types.VirtualDiskFlatVer2BackingInfo:
			info.file = b.FileName
			info.thin = b.ThinProvisioned != nil && *b.ThinProvisioned
			info.eager = b.EagerlyScrub != nil && *b.EagerlyScrub
		case *types.VirtualDiskSeSparseBackingInfo:
			info.file, info.thin = b.FileName, true
		case *types.VirtualDiskSparseVer2BackingInfo:
			info.file, info.thin = b.FileName, true
		case types.BaseVirtualDeviceFileBackingInfo:
			info.file = b.GetVirtualDeviceFileBackingInfo().FileName
		}
		var p object.DatastorePath
		if p.FromString(info.file) {
			info.datastore = p.Datastore
		}
		out = append(out, info)
	}
	sort.Slice(out, func(i, j int) bool { return lessSlot(out[i].slot, out[j].slot) })
	return out
}

var familyOrder = map[string]int{ControllerSCSI: 0, ControllerSATA: 1, ControllerNVMe: 2, ControllerIDE: 3}

func lessSlot(a, b slot) bool {
	if a.family != b.family {
		return familyOrder[a.family] < familyOrder[b.family]
	}
	if a.bus != b.bus {
		return a.bus < b.bus
	}
	return a.unit < b.unit
}

// nics lists the VM's ethernet cards in device order (by unit number on the
// PCI bus, then key), which is the order the guest sees them.
func nics(devices []types.BaseVirtualDevice) []types.BaseVirtualDevice {
	var out []types.BaseVirtualDevice
	for _, d := range devices {
		if _, ok := d.(types.BaseVirtualEthernetCard); ok {
			out = append(out, d)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		return out[i].GetVirtualDevice().Key < out[j].GetVirtualDevice().Key
	})
	return out
}

// card returns the adapter part of a device known to be a network adapter.
func card(d types.BaseVirtualDevice) *types.VirtualEthernetCard {
	if c, ok := d.(types.BaseVirtualEthernetCard); ok {
		return c.GetVirtualEthernetCard()
	}
	return &types.VirtualEthernetCard{} // not an adapter: nothing to read or set
}

// controllerOf returns the controller part of a device known to be a disk
// controller (callers pick devices with controllerFamily first).
func controllerOf(d types.BaseVirtualDevice) *types.VirtualController {
	if c, ok := d.(types.BaseVirtualController); ok {
		return c.GetVirtualController()
	}
	return &types.VirtualController{}
}

var adapterTypes = []string{"vmxnet3", "e1000e", "e1000"}

// cdroms lists the VM's CD-ROM drives.
func cdroms(devices []types.BaseVirtualDevice) []*types.VirtualCdrom {
	var out []*types.VirtualCdrom
	for _, d := range devices {
		if c, ok := d.(*types.VirtualCdrom); ok {
			out = append(out, c)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

func isoOf(c *types.VirtualCdrom) string {
	if b, ok := c.Backing.(*types.VirtualCdromIsoBackingInfo); ok {
		return b.FileName
	}
	return ""
}

// datastoreDir returns "[ds] dir" for "[ds] dir/file.vmx" ("" if the file
// lies at the datastore's root, which is never a VM's own folder).
func datastoreDir(file string) (ds, dir string) {
	var p object.DatastorePath
	if !p.FromString(file) {
		return "", ""
	}
	i := strings.LastIndex(p.Path, "/")
	if i <= 0 {
		return p.Datastore, ""
	}
	return p.Datastore, p.Path[:i]
}

func dsPath(ds, path string) string {
	return (&object.DatastorePath{Datastore: ds, Path: path}).String()
}

// SplitLegacyUnit converts a disk's unit number as schema version 0 of
// ceso_vm wrote it (counted across the controllers of the family) into its
// bus and the unit on that bus.
func SplitLegacyUnit(familyName string, number int32) (bus, unit int32) {
	if _, ok := families[familyName]; !ok {
		familyName = ControllerSCSI
	}
	sl := legacySlot(familyName, number)
	return sl.bus, sl.unit
}
