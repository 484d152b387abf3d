package vm

import (
	"fmt"

	"github.com/vmware/govmomi/vim25/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/esxi"
)

// keptSlots reads the slots of the disks to keep on removal from the VM's
// extra config.
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
	_, vmDir := datastoreDir(pl.v.vm.VMXPath)
	for i := range cur {
		cur[i].outside = outsideFolder(vmDir, cur[i].file) && !pl.v.pending[cur[i].dev.Key]
	}
	bySlot := map[slot]diskInfo{}
	for _, d := range cur {
		bySlot[d.slot] = d
	}
	slots, err := matchDisks(s.Disks, cur, pl.create || pl.match)
	if err != nil {
		return []error{err}
	}
	ctrls, _ := indexControllers(pl.v.devices)
	vmDS, _ := datastoreDir(pl.v.vm.VMXPath)
	var errs []error
	declared := map[slot]bool{}
	keep := map[slot]bool{}
	p.disks = make([]PlannedDisk, len(s.Disks))

	for i, d := range s.Disks {
		sl := slots[i]
		if sl.family == "" {
			errs = append(errs, listErr("disk", i, "unit_number", "No free unit", "every %s unit is taken; remove a disk or use another controller_type.", orDefault(d.Controller, ControllerSCSI)))
			continue
		}
		declared[sl] = true
		if d.KeepOnRemove {
			keep[sl] = true
		}
		wantKB := d.SizeGiB * 1024 * 1024
		if have, ok := bySlot[sl]; ok {
			pending := pl.v.pending[have.dev.Key]
			if e := attachMismatch(i, d, have, vmDir, pending); e != nil {
				errs = append(errs, e)
				continue
			}
			p.disks[i] = PlannedDisk{Existing: true, DiskState: diskStateOf(have, d.KeepOnRemove, vmDir)}
			if d.Attach {
				continue // its size and provisioning are the disk's own
			}
			if d.SizeGiB > p.disks[i].SizeGiB {
				p.disks[i].SizeGiB = d.SizeGiB
			}
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
		if err := pl.checkUnit(ctrls, sl); err != nil {
			errs = append(errs, listErr("disk", i, "unit_number", "Unit Not Available", "%v", err))
			continue
		}
		if d.Attach {
			if e := pl.attachDisk(p, ctrls, sl, i, d); e != nil {
				errs = append(errs, e)
			}
			continue
		}
		if d.SizeGiB <= 0 {
			errs = append(errs, listErr("disk", i, "size_gb", "Missing disk size", "disk %d is new (%s bus %d unit %d), so it needs size_gb.", i, sl.family, sl.bus, sl.unit))
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
		if outsideFolder(vmDir, have.file) {
			p.detach = append(p.detach, have) // not the VM's: detach, never delete
		} else if kept[have.slot] {
			p.kept = append(p.kept, have)
		} else {
			rm.FileOperation = types.VirtualDeviceConfigSpecFileOperationDestroy
			p.deleted = append(p.deleted, have)
		}
		p.spec.DeviceChange = append(p.spec.DeviceChange, rm)
		p.changed(fmt.Sprintf("disk %s bus %d unit %d removed", have.slot.family, have.slot.bus, have.slot.unit), on && have.slot.family == ControllerIDE)
	}
	// Rewrite the list only when the set changes, so a VM whose list ceso
	// wrote in the older "scsi:17" form is not reconfigured for nothing.
	if !sameSlots(keep, keptSlots(pl.v.vm.ExtraConfig)) {
		names := map[string]bool{}
		for sl := range keep {
			names[sl.String()] = true
		}
		p.spec.ExtraConfig = append(p.spec.ExtraConfig, opt(KeyKeepOnRemove, joinSorted(names)))
	}
	return errs
}

func sameSlots(a, b map[slot]bool) bool {
	if len(a) != len(b) {
		return false
	}
	for sl := range a {
		if !b[sl] {
			return false
		}
	}
	return true
}

// checkUnit refuses a new disk's unit that its controller cannot hold:
// units 16 to 63 exist only on a PVSCSI controller of hardware version 14
// or later.
func (pl *planner) checkUnit(ctrls controllers, sl slot) error {
	f := families[sl.family]
	if sl.unit < f.perBus {
		return nil
	}
	kind := orDefault(pl.s.SCSIType, "pvscsi")
	if c, ok := ctrls[slot{family: sl.family, bus: sl.bus}]; ok {
		kind = esxi.SCSIType(c)
	}
	if kind != "pvscsi" {
		return fmt.Errorf("unit %d needs a PVSCSI controller, and the controller on bus %d is %s (units 0 to %d). Use a unit below %d or another bus", sl.unit, sl.bus, kind, f.perBus-1, f.perBus)
	}
	hw := max(hwVersion(pl.v.vm.HWVersion), pl.s.HardwareVersion)
	if hw < pvscsiWideVersion {
		return fmt.Errorf("PVSCSI units above %d need hardware version %d or later, and the VM has vmx-%d. Set hardware_version = %d or more, or use a unit below %d", f.perBus-1, pvscsiWideVersion, hw, pvscsiWideVersion, f.perBus)
	}
	return nil
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
