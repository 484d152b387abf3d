package vm

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/esxi"
)

// UpdatePlan says what an update would do, without doing it, so the glue
// can warn at plan time and pick the guard action (a forced power-off or a
// deleted disk is destructive).
type UpdatePlan struct {
	Changes []string // attribute names that change, e.g. "cpus", "disk[1].size_gb"
	// NeedsPowerOff lists the changes that need the VM powered off while it
	// runs; the update power-cycles it (AllowPowerCycle) or fails.
	NeedsPowerOff []string
	PowerChange   string   // the new power state, "" if unchanged
	DeletesDisks  []string // files of disks the update deletes
	KeepsDisks    []string // files of disks the update detaches and keeps
	NoChange      bool
}

// view is the VM as planning sees it: the inventory's VM plus devices that
// are about to be added by the same reconfigure (copied template disks).
type view struct {
	vm      *esxi.VM
	devices []types.BaseVirtualDevice
	pending map[int32]bool
}

// plan is a computed reconfigure.
type plan struct {
	spec    types.VirtualMachineConfigSpec
	changes []string
	cold    []string
	upgrade int // UpgradeVM_Task to this version first
	kept    []diskInfo
	deleted []diskInfo
	nextKey int32
}

func (p *plan) key() int32 {
	p.nextKey--
	return p.nextKey
}

func (p *plan) changed(attr string, cold bool) {
	p.changes = append(p.changes, attr)
	if cold {
		p.cold = append(p.cold, attr)
	}
}

func (p *plan) empty() bool {
	return p.upgrade == 0 && len(p.spec.DeviceChange) == 0 && len(p.spec.ExtraConfig) == 0 && p.spec.Name == "" &&
		p.spec.NumCPUs == 0 && p.spec.NumCoresPerSocket == nil && p.spec.MemoryMB == 0 && p.spec.GuestId == "" &&
		p.spec.CpuHotAddEnabled == nil && p.spec.MemoryHotAddEnabled == nil && p.spec.Firmware == ""
}

// planner computes the reconfigure that brings a VM to a spec.
type planner struct {
	s       *Spec
	v       view
	snap    *esxi.Snapshot
	create  bool // the VM is being created (powered off, every change allowed)
	match   bool // disks without a unit number match existing disks in order
	backing func(esxi.Network) (types.BaseVirtualDeviceBackingInfo, error)
}

func (pl *planner) poweredOn() bool {
	return !pl.create && pl.v.vm.PowerState == string(types.VirtualMachinePowerStatePoweredOn)
}

func (pl *planner) run() (*plan, error) {
	p := &plan{nextKey: -1000}
	for _, d := range pl.v.devices {
		if k := d.GetVirtualDevice().Key; k <= p.nextKey {
			p.nextKey = k - 1
		}
	}
	s, cur, on := pl.s, pl.v.vm, pl.poweredOn()
	var errs []error

	if s.Name != "" && s.Name != cur.Name {
		p.spec.Name = s.Name
		p.changed("name", false)
	}
	if s.CPUs > 0 && s.CPUs != cur.CPUs {
		p.spec.NumCPUs = s.CPUs
		p.changed("cpus", on && (!cur.CPUHotAdd || s.CPUs < cur.CPUs))
	}
	if s.CPUs > 0 && s.CoresPerSocket == 0 && cur.CoresPerSocket > 1 && s.CPUs%cur.CoresPerSocket != 0 {
		errs = append(errs, fieldErr("cores_per_socket", "Cores per socket needed",
			"the VM has %d cores per socket, which does not divide cpus = %d; set cores_per_socket to a divisor of cpus.", cur.CoresPerSocket, s.CPUs))
	}
	if s.CoresPerSocket > 0 && s.CoresPerSocket != cur.CoresPerSocket {
		p.spec.NumCoresPerSocket = types.NewInt32(s.CoresPerSocket)
		p.changed("cores_per_socket", on)
	}
	if s.MemoryMB > 0 && s.MemoryMB != int64(cur.MemoryMB) {
		p.spec.MemoryMB = s.MemoryMB
		p.changed("memory_mb", on && (!cur.MemoryHotAdd || s.MemoryMB < int64(cur.MemoryMB)))
	}
	if s.CPUHotAdd != nil && *s.CPUHotAdd != cur.CPUHotAdd {
		p.spec.CpuHotAddEnabled = types.NewBool(*s.CPUHotAdd)
		p.changed("cpu_hot_add", on)
	}
	if s.MemoryHotAdd != nil && *s.MemoryHotAdd != cur.MemoryHotAdd {
		p.spec.MemoryHotAddEnabled = types.NewBool(*s.MemoryHotAdd)
		p.changed("memory_hot_add", on)
	}
	if s.GuestID != "" && s.GuestID != cur.GuestID {
		p.spec.GuestId = s.GuestID
		p.changed("guest_id", on)
	}
	if s.Firmware != "" && s.Firmware != cur.Firmware {
		if pl.create {
			p.spec.Firmware = s.Firmware
			p.changed("firmware", false)
		} else {
			errs = append(errs, fieldErr("firmware", "Firmware cannot change in place",
				"the VM boots with %s; switching to %s would leave the installed guest unbootable, so ceso replaces the VM for this change instead.", cur.Firmware, s.Firmware))
		}
	}
	if s.HardwareVersion > 0 {
		have := hwVersion(cur.HWVersion)
		switch {
		case s.HardwareVersion > have:
			p.upgrade = s.HardwareVersion
			p.changed("hardware_version", on)
		case s.HardwareVersion < have:
			errs = append(errs, fieldErr("hardware_version", "Hardware version cannot go down",
				"the VM has vmx-%d; a hardware version can only be upgraded, so lowering it to %d needs a new VM.", have, s.HardwareVersion))
		}
	}

	if s.Disks != nil {
		errs = append(errs, pl.planDisks(p)...)
	}
	for k := range pl.v.pending {
		if !pl.hasDeviceChange(p, k) {
			for _, d := range pl.v.devices {
				if d.GetVirtualDevice().Key == k {
					p.spec.DeviceChange = append(p.spec.DeviceChange, &types.VirtualDeviceConfigSpec{
						Operation: types.VirtualDeviceConfigSpecOperationAdd, Device: d})
				}
			}
		}
	}
	if s.NICs != nil {
		errs = append(errs, pl.planNICs(p)...)
	}
	if s.CDROM != nil {
		errs = append(errs, pl.planCDROM(p)...)
	}
	if ec := extraConfigChanges(cur.ExtraConfig, s); len(ec) > 0 {
		p.spec.ExtraConfig = append(p.spec.ExtraConfig, ec...)
		for _, o := range ec {
			k := o.GetOptionValue().Key
			if k == KeyManagedKeys {
				continue
			}
			if strings.HasPrefix(k, "guestinfo.") {
				p.changed("guestinfo."+strings.TrimPrefix(k, "guestinfo."), false)
			} else {
				p.changed("extra_config."+k, false)
			}
		}
	}
	if len(errs) > 0 {
		return nil, joinErrs(errs)
	}
	return p, nil
}

func (pl *planner) hasDeviceChange(p *plan, key int32) bool {
	for _, c := range p.spec.DeviceChange {
		if c.GetVirtualDeviceConfigSpec().Device.GetVirtualDevice().Key == key {
			return true
		}
	}
	return false
}

func hwVersion(v string) int {
	n, _ := strconv.Atoi(strings.TrimPrefix(v, "vmx-"))
	return n
}

const gib = int64(1) << 30

// sizeGiB rounds a capacity up to whole GiB, as the schema shows it.
func sizeGiB(kb int64) int64 { return (kb*1024 + gib - 1) / gib }

// resolveUnits gives every declared disk a slot. Explicit unit numbers
// keep theirs; with matchExisting (create from a template) the others are
// matched in order to the existing disks not claimed explicitly; the rest
// take the next free unit of their family.
func resolveUnits(decl []Disk, existing []diskInfo, matchExisting bool) []slot {
	out := make([]slot, len(decl))
	used := map[slot]bool{}
	for _, e := range existing {
		used[e.slot] = true
	}
	claimed := map[slot]bool{}
	for i, d := range decl {
		if d.UnitNumber >= 0 {
			out[i] = slotOf(orDefault(d.Controller, ControllerSCSI), d.UnitNumber)
			claimed[out[i]] = true
		}
	}
	next := 0
	for i, d := range decl {
		if d.UnitNumber >= 0 {
			continue
		}
		fam := orDefault(d.Controller, ControllerSCSI)
		if matchExisting {
			for next < len(existing) && claimed[existing[next].slot] {
				next++
			}
			if next < len(existing) {
				out[i] = existing[next].slot
				claimed[out[i]] = true
				next++
				continue
			}
		}
		f := families[fam]
		for n := int32(0); n < f.perBus*f.maxBuses; n++ {
			sl := slotOf(fam, n)
			if sl.unit == f.reserved || used[sl] || claimed[sl] {
				continue
			}
			out[i] = sl
			claimed[sl] = true
			break
		}
	}
	return out
}

func keptSlots(ec map[string]string) map[slot]bool {
	out := map[slot]bool{}
	for _, s := range splitList(ec[KeyKeepOnRemove]) {
		if sl, ok := parseSlot(s); ok {
			out[sl] = true
		}
	}
	return out
}

func (pl *planner) planDisks(p *plan) []error {
	s, on := pl.s, pl.poweredOn()
	cur := disks(pl.v.devices)
	bySlot := map[slot]diskInfo{}
	for _, d := range cur {
		bySlot[d.slot] = d
	}
	slots := resolveUnits(s.Disks, cur, pl.create || pl.match)
	ctrls, _ := indexControllers(pl.v.devices)
	vmDS, _ := datastoreDir(pl.v.vm.VMXPath)
	var errs []error
	declared := map[slot]bool{}
	keep := map[string]bool{}

	for i, d := range s.Disks {
		sl := slots[i]
		if sl.family == "" {
			errs = append(errs, listErr("disk", i, "unit_number", "No free unit", "every %s unit is taken; remove a disk or use another controller_type.", orDefault(d.Controller, ControllerSCSI)))
			continue
		}
		declared[sl] = true
		if d.KeepOnRemove {
			keep[sl.String()] = true
		}
		wantKB := d.SizeGiB * 1024 * 1024
		if have, ok := bySlot[sl]; ok {
			pending := pl.v.pending[have.dev.Key]
			if d.SizeGiB > 0 && wantKB > have.capacityKB {
				if pl.v.vm.HasSnapshots && !pending {
					errs = append(errs, listErr("disk", i, "size_gb", "Disk cannot grow with snapshots",
						"the VM has snapshots, and a disk with snapshots cannot be extended; remove the snapshots (or the ceso_backup in progress) first."))
					continue
				}
				if pending {
					have.dev.CapacityInKB, have.dev.CapacityInBytes = wantKB, wantKB*1024
				} else {
					grown := *have.dev
					grown.CapacityInKB, grown.CapacityInBytes = wantKB, wantKB*1024
					p.spec.DeviceChange = append(p.spec.DeviceChange, &types.VirtualDeviceConfigSpec{
						Operation: types.VirtualDeviceConfigSpecOperationEdit, Device: &grown})
				}
				p.changed(fmt.Sprintf("disk[%d].size_gb", i), false)
			} else if d.SizeGiB > 0 && wantKB < have.capacityKB && d.SizeGiB < sizeGiB(have.capacityKB) {
				errs = append(errs, listErr("disk", i, "size_gb", "Disk shrink refused",
					"%s (%s) is %d GiB; shrinking a disk would destroy the data at its end, so ceso never does it. Set size_gb to %d or more; to get a smaller disk, add a new one and move the data.",
					orDefault(have.label, "the disk"), have.file, sizeGiB(have.capacityKB), sizeGiB(have.capacityKB)))
			}
			if d.Provisioning != "" && d.Provisioning != have.provisioning() && !pending {
				errs = append(errs, listErr("disk", i, "provisioning", "Provisioning cannot change in place",
					"%s is %s; converting it to %s needs a storage migration, which ceso does not do. Keep %s, or add a new disk.", have.file, have.provisioning(), d.Provisioning, have.provisioning()))
			}
			if d.Datastore != "" && d.Datastore != have.datastore && !pending {
				errs = append(errs, listErr("disk", i, "datastore", "Disk datastore cannot change in place",
					"%s lives on %s; moving it to %s needs a storage migration, which ceso does not do.", have.file, have.datastore, d.Datastore))
			}
			continue
		}
		// A new disk.
		if d.SizeGiB <= 0 {
			errs = append(errs, listErr("disk", i, "size_gb", "Missing disk size", "disk %d is new (%s unit %d), so it needs size_gb.", i, sl.family, sl.number()))
			continue
		}
		dsName := orDefault(d.Datastore, vmDS)
		ds, err := pl.snap.FindDatastore(dsName, pl.v.vm.Datacenter)
		if err != nil {
			e := lookupFieldErr("disk", "Datastore", err)
			e.Index, e.Sub = i, "datastore"
			errs = append(errs, e)
			continue
		}
		ctrlKey, err := pl.controllerFor(p, ctrls, sl)
		if err != nil {
			errs = append(errs, listErr("disk", i, "controller_type", "Cannot add the controller", "%v", err))
			continue
		}
		if sl.family == ControllerIDE && on {
			p.cold = append(p.cold, fmt.Sprintf("disk[%d]", i))
		}
		disk := &types.VirtualDisk{
			VirtualDevice: types.VirtualDevice{
				Key: p.key(), ControllerKey: ctrlKey, UnitNumber: types.NewInt32(sl.unit),
				Backing: &types.VirtualDiskFlatVer2BackingInfo{
					DiskMode:                     string(types.VirtualDiskModePersistent),
					ThinProvisioned:              types.NewBool(orDefault(d.Provisioning, ProvisionThin) == ProvisionThin),
					EagerlyScrub:                 types.NewBool(d.Provisioning == ProvisionEagerZeroed),
					VirtualDeviceFileBackingInfo: types.VirtualDeviceFileBackingInfo{FileName: "[" + ds.Name + "]", Datastore: &ds.Ref},
				},
			},
			CapacityInKB: wantKB, CapacityInBytes: wantKB * 1024,
		}
		p.spec.DeviceChange = append(p.spec.DeviceChange, &types.VirtualDeviceConfigSpec{
			Operation: types.VirtualDeviceConfigSpecOperationAdd, FileOperation: types.VirtualDeviceConfigSpecFileOperationCreate, Device: disk})
		p.changed(fmt.Sprintf("disk[%d]", i), false)
	}

	kept := keptSlots(pl.v.vm.ExtraConfig)
	for _, have := range cur {
		if declared[have.slot] {
			continue
		}
		if pl.v.pending[have.dev.Key] {
			continue // a copied template disk the spec does not list: attach it as it is
		}
		rm := &types.VirtualDeviceConfigSpec{Operation: types.VirtualDeviceConfigSpecOperationRemove, Device: have.dev}
		if kept[have.slot] {
			p.kept = append(p.kept, have)
		} else {
			rm.FileOperation = types.VirtualDeviceConfigSpecFileOperationDestroy
			p.deleted = append(p.deleted, have)
		}
		p.spec.DeviceChange = append(p.spec.DeviceChange, rm)
		p.changed("disk "+have.slot.String()+" removed", on && have.slot.family == ControllerIDE)
	}
	if list := joinSorted(keep); list != pl.v.vm.ExtraConfig[KeyKeepOnRemove] {
		if list != "" || pl.v.vm.ExtraConfig[KeyKeepOnRemove] != "" {
			p.spec.ExtraConfig = append(p.spec.ExtraConfig, opt(KeyKeepOnRemove, list))
		}
	}
	return errs
}

// controllerFor returns the key of the controller for sl, adding one to
// the plan if the VM lacks it.
func (pl *planner) controllerFor(p *plan, ctrls controllers, sl slot) (int32, error) {
	at := slot{family: sl.family, bus: sl.bus}
	if c, ok := ctrls[at]; ok {
		return c.GetVirtualDevice().Key, nil
	}
	if sl.family == ControllerIDE {
		return 0, fmt.Errorf("the VM has no IDE controller %d", sl.bus)
	}
	c, err := newController(sl.family, pl.s.SCSIType, sl.bus, p.key())
	if err != nil {
		return 0, err
	}
	ctrls[at] = c
	p.spec.DeviceChange = append(p.spec.DeviceChange, &types.VirtualDeviceConfigSpec{
		Operation: types.VirtualDeviceConfigSpecOperationAdd, Device: c})
	if pl.poweredOn() {
		p.cold = append(p.cold, sl.family+" controller")
	}
	return c.GetVirtualDevice().Key, nil
}

// networkName names the network a NIC is connected to.
func networkName(snap *esxi.Snapshot, c types.BaseVirtualDevice) string {
	switch b := card(c).Backing.(type) {
	case *types.VirtualEthernetCardNetworkBackingInfo:
		if b.Network != nil {
			for _, n := range snap.Networks {
				if n.Ref == *b.Network {
					return n.Name
				}
			}
		}
		return b.DeviceName
	case *types.VirtualEthernetCardDistributedVirtualPortBackingInfo:
		for _, n := range snap.Networks {
			if n.Ref.Value == b.Port.PortgroupKey {
				return n.Name
			}
		}
		return b.Port.PortgroupKey
	case *types.VirtualEthernetCardOpaqueNetworkBackingInfo:
		return b.OpaqueNetworkId
	}
	return ""
}

func (pl *planner) planNICs(p *plan) []error {
	cur := nics(pl.v.devices)
	var errs []error
	for i, n := range pl.s.NICs {
		net, err := pl.snap.FindNetwork(n.Network, pl.v.vm.Datacenter)
		if err != nil {
			e := lookupFieldErr("network_interface", "Network", err)
			e.Index, e.Sub = i, "network"
			errs = append(errs, e)
			continue
		}
		kind := orDefault(n.AdapterType, "vmxnet3")
		if i < len(cur) {
			have := cur[i]
			hc := card(have)
			if esxi.AdapterType(have) != kind {
				p.spec.DeviceChange = append(p.spec.DeviceChange, &types.VirtualDeviceConfigSpec{
					Operation: types.VirtualDeviceConfigSpecOperationRemove, Device: have})
				if err := pl.addNIC(p, i, n, kind, net); err != nil {
					errs = append(errs, err)
				}
				p.changed(fmt.Sprintf("network_interface[%d].adapter_type", i), false)
				continue
			}
			edit := false
			edited := cloneCard(have)
			cc := card(edited)
			if networkName(pl.snap, have) != net.Name {
				b, err := pl.backing(net)
				if err != nil {
					errs = append(errs, &FieldError{Field: "network_interface", Index: i, Sub: "network", Summary: "Network unusable", Detail: err.Error(), Err: err})
					continue
				}
				cc.Backing, edit = b, true
				p.changed(fmt.Sprintf("network_interface[%d].network", i), false)
			}
			static := hc.AddressType == string(types.VirtualEthernetCardMacTypeManual)
			switch {
			case n.MAC != "" && (!static || normMAC(hc.MacAddress) != normMAC(n.MAC)):
				cc.AddressType, cc.MacAddress, edit = string(types.VirtualEthernetCardMacTypeManual), normMAC(n.MAC), true
				p.changed(fmt.Sprintf("network_interface[%d].mac_address", i), false)
			case n.MAC == "" && static:
				cc.AddressType, cc.MacAddress, edit = string(types.VirtualEthernetCardMacTypeGenerated), "", true
				p.changed(fmt.Sprintf("network_interface[%d].mac_address", i), false)
			}
			if edit {
				p.spec.DeviceChange = append(p.spec.DeviceChange, &types.VirtualDeviceConfigSpec{
					Operation: types.VirtualDeviceConfigSpecOperationEdit, Device: edited})
			}
			continue
		}
		if err := pl.addNIC(p, i, n, kind, net); err != nil {
			errs = append(errs, err)
		}
		p.changed(fmt.Sprintf("network_interface[%d]", i), false)
	}
	for i := len(pl.s.NICs); i < len(cur); i++ {
		p.spec.DeviceChange = append(p.spec.DeviceChange, &types.VirtualDeviceConfigSpec{
			Operation: types.VirtualDeviceConfigSpecOperationRemove, Device: cur[i]})
		p.changed(fmt.Sprintf("network_interface[%d] removed", i), false)
	}
	return errs
}

func (pl *planner) addNIC(p *plan, i int, n NIC, kind string, net esxi.Network) error {
	b, err := pl.backing(net)
	if err != nil {
		return &FieldError{Field: "network_interface", Index: i, Sub: "network", Summary: "Network unusable", Detail: err.Error(), Err: err}
	}
	dev, err := object.VirtualDeviceList{}.CreateEthernetCard(kind, b)
	if err != nil {
		return listErr("network_interface", i, "adapter_type", "Invalid adapter type", "%v", err)
	}
	c := card(dev)
	c.Key = p.key()
	c.Connectable = &types.VirtualDeviceConnectInfo{StartConnected: true, AllowGuestControl: true, Connected: pl.poweredOn()}
	if n.MAC != "" {
		c.AddressType, c.MacAddress = string(types.VirtualEthernetCardMacTypeManual), normMAC(n.MAC)
	} else {
		c.AddressType = string(types.VirtualEthernetCardMacTypeGenerated)
	}
	p.spec.DeviceChange = append(p.spec.DeviceChange, &types.VirtualDeviceConfigSpec{
		Operation: types.VirtualDeviceConfigSpecOperationAdd, Device: dev})
	return nil
}

// cloneCard copies an adapter one level deep, so an edit never writes into
// the shared inventory read.
func cloneCard(c types.BaseVirtualDevice) types.BaseVirtualDevice {
	switch x := c.(type) {
	case *types.VirtualVmxnet3:
		y := *x
		return &y
	case *types.VirtualE1000e:
		y := *x
		return &y
	case *types.VirtualE1000:
		y := *x
		return &y
	case *types.VirtualVmxnet2:
		y := *x
		return &y
	case *types.VirtualPCNet32:
		y := *x
		return &y
	case *types.VirtualSriovEthernetCard:
		y := *x
		return &y
	case *types.VirtualVmxnet3Vrdma:
		y := *x
		return &y
	}
	return c
}

func (pl *planner) planCDROM(p *plan) []error {
	want := pl.s.CDROM.ISO
	drives := cdroms(pl.v.devices)
	on := pl.poweredOn()
	switch {
	case want == "" && len(drives) > 0:
		for _, d := range drives {
			p.spec.DeviceChange = append(p.spec.DeviceChange, &types.VirtualDeviceConfigSpec{
				Operation: types.VirtualDeviceConfigSpecOperationRemove, Device: d})
		}
		p.changed("cdrom", on)
	case want == "":
	case len(drives) == 0:
		ctrls, _ := indexControllers(pl.v.devices)
		var ide types.BaseVirtualDevice
		for _, bus := range []int32{0, 1} {
			if c, ok := ctrls[slot{family: ControllerIDE, bus: bus}]; ok && len(controllerOf(c).Device) < 2 {
				ide = c
				break
			}
		}
		if ide == nil {
			return []error{fieldErr("cdrom", "No room for a CD-ROM drive", "both IDE controllers of the VM are full; remove an IDE disk or drive first.")}
		}
		used := map[int32]bool{}
		for _, d := range pl.v.devices {
			if d.GetVirtualDevice().ControllerKey == ide.GetVirtualDevice().Key && d.GetVirtualDevice().UnitNumber != nil {
				used[*d.GetVirtualDevice().UnitNumber] = true
			}
		}
		unit := int32(0)
		if used[0] {
			unit = 1
		}
		cd := &types.VirtualCdrom{VirtualDevice: types.VirtualDevice{
			Key: p.key(), ControllerKey: ide.GetVirtualDevice().Key, UnitNumber: types.NewInt32(unit),
			Backing:     &types.VirtualCdromIsoBackingInfo{VirtualDeviceFileBackingInfo: types.VirtualDeviceFileBackingInfo{FileName: want}},
			Connectable: &types.VirtualDeviceConnectInfo{StartConnected: true, AllowGuestControl: true, Connected: on},
		}}
		p.spec.DeviceChange = append(p.spec.DeviceChange, &types.VirtualDeviceConfigSpec{
			Operation: types.VirtualDeviceConfigSpecOperationAdd, Device: cd})
		p.changed("cdrom", on)
	case isoOf(drives[0]) != want:
		cd := *drives[0]
		cd.Backing = &types.VirtualCdromIsoBackingInfo{VirtualDeviceFileBackingInfo: types.VirtualDeviceFileBackingInfo{FileName: want}}
		cd.Connectable = &types.VirtualDeviceConnectInfo{StartConnected: true, AllowGuestControl: true, Connected: on}
		p.spec.DeviceChange = append(p.spec.DeviceChange, &types.VirtualDeviceConfigSpec{
			Operation: types.VirtualDeviceConfigSpecOperationEdit, Device: &cd})
		p.changed("cdrom", false)
	}
	return nil
}

// joinErrs joins errors in a stable order (field path) for messages and tests.
func joinErrs(errs []error) error {
	sort.SliceStable(errs, func(i, j int) bool {
		var fi, fj *FieldError
		return errors.As(errs[i], &fi) && errors.As(errs[j], &fj) && fi.Path() < fj.Path()
	})
	if len(errs) == 1 {
		return errs[0]
	}
	return joined(errs)
}

type joined []error

func (j joined) Error() string {
	parts := make([]string, len(j))
	for i, e := range j {
		parts[i] = e.Error()
	}
	return strings.Join(parts, "\n")
}

func (j joined) Unwrap() []error { return j }
