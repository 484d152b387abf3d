package vm

import (
	"context"
	"fmt"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/esxi"
)

// marker is the extra config of the first task.
func (c *creation) marker() []types.BaseOptionValue {
	m := []types.BaseOptionValue{opt(KeyManaged, "true"), opt(KeyCreateID, c.id), opt(KeyState, StateCreating), opt(KeyLease, c.lease)}
	if c.restore != nil {
		m = append(m, opt(KeyRestoredFrom, c.restore.Manifest.ID))
	}
	return m
}

// createVM makes the VM with CreateVM_Task: hardware, the template's disk
// controllers, and the marker. Disks, adapters and guest configuration
// come with the final reconfigure.
func (c *creation) createVM(ctx context.Context, jobs []*copyJob) error {
	s, t := c.spec, c.tmpl
	cs := types.VirtualMachineConfigSpec{
		Name:        s.Name,
		Files:       &types.VirtualMachineFileInfo{VmPathName: "[" + c.pl.datastore.Name + "]"},
		ExtraConfig: c.marker(),
	}
	guest, firmware, cpus, cores, mem, version := "otherGuest64", "bios", int32(1), int32(0), int64(1024), ""
	if t != nil {
		guest, firmware, cpus, mem, version = orDefault(t.GuestID, guest), orDefault(t.Firmware, firmware), t.CPUs, int64(t.MemoryMB), t.HWVersion
		cores = t.CoresPerSocket
		cs.CpuHotAddEnabled, cs.MemoryHotAddEnabled = types.NewBool(t.CPUHotAdd), types.NewBool(t.MemoryHotAdd)
	}
	cs.GuestId, cs.Firmware = orDefault(s.GuestID, guest), orDefault(s.Firmware, firmware)
	cs.NumCPUs, cs.MemoryMB = cpus, mem
	if s.CPUs > 0 {
		cs.NumCPUs = s.CPUs
	}
	if s.MemoryMB > 0 {
		cs.MemoryMB = s.MemoryMB
	}
	if s.CoresPerSocket > 0 {
		cores = s.CoresPerSocket
	}
	if cores > 0 {
		cs.NumCoresPerSocket = types.NewInt32(cores)
	}
	if s.CPUHotAdd != nil {
		cs.CpuHotAddEnabled = types.NewBool(*s.CPUHotAdd)
	}
	if s.MemoryHotAdd != nil {
		cs.MemoryHotAddEnabled = types.NewBool(*s.MemoryHotAdd)
	}
	if s.HardwareVersion > 0 {
		version = fmt.Sprintf("vmx-%02d", s.HardwareVersion)
	}
	cs.Version = version

	// The controllers the copied disks attach to, on the template's buses.
	added := map[slot]bool{}
	key := int32(-100)
	for _, j := range jobs {
		at := slot{family: j.slot.family, bus: j.slot.bus}
		if added[at] || at.family == ControllerIDE {
			continue
		}
		added[at] = true
		scsiType := s.SCSIType
		if t != nil {
			ctrls, _ := indexControllers(t.Devices)
			if tc, ok := ctrls[at]; ok && at.family == ControllerSCSI && scsiType == "" {
				scsiType = esxi.SCSIType(tc)
			}
		}
		key--
		ctrl, err := newController(at.family, scsiType, at.bus, key)
		if err != nil {
			return err
		}
		cs.DeviceChange = append(cs.DeviceChange, &types.VirtualDeviceConfigSpec{Operation: types.VirtualDeviceConfigSpecOperationAdd, Device: ctrl})
	}

	return c.m.write(ctx, func(ctx context.Context, ss *esxi.Session) error {
		folder := object.NewFolder(ss.Client, c.pl.folder)
		pool := object.NewResourcePool(ss.Client, c.pl.pool)
		var host *object.HostSystem
		if c.pl.host != nil {
			host = object.NewHostSystem(ss.Client, *c.pl.host)
		}
		task, err := folder.CreateVM(ctx, cs, pool, host)
		info, err := esxi.WaitTask(ctx, "create VM "+s.Name, task, err)
		if info != nil {
			if ref, ok := info.Result.(types.ManagedObjectReference); ok {
				c.ref = ref
			}
		}
		return createErr(err, s.Name)
	})
}

func createErr(err error, name string) error {
	if err == nil {
		return nil
	}
	if esxi.KindOf(err) == esxi.KindDuplicateName {
		return &FieldError{Field: "name", Index: -1, Summary: "VM name taken",
			Detail: fmt.Sprintf("the host refused the name %q: %v. A VM or the files of one of that name exist; choose another name or remove them.", name, err), Err: err}
	}
	return err
}
