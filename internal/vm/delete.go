package vm

import (
	"context"
	"fmt"
	"path"
	"strings"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/esxi"
)

// Delete powers the VM off hard (the caller decides whether that is
// allowed before calling), detaches the disks marked keep_on_remove and
// moves them out of the VM's folder, destroys the VM, and removes whatever
// is left in its folder. A VM that is already gone is not an error.
func (m *Manager) Delete(ctx context.Context, uuid string) (*Result, error) {
	if err := m.client.CheckWritable(); err != nil {
		return nil, err
	}
	snap, err := m.fresh(ctx)
	if err != nil {
		return nil, err
	}
	v, err := findByUUID(snap, uuid)
	if IsNotFound(err) {
		return &Result{}, nil
	}
	if err != nil {
		return nil, err
	}
	res := &Result{}
	err = m.write(ctx, func(ctx context.Context, s *esxi.Session) error {
		return m.destroy(ctx, s, snap, v, nil, res)
	})
	return res, err
}

// destroy removes v and its files. With res, disks marked keep_on_remove
// are detached and moved out of the VM's folder first (their new paths go
// to res.KeptDisks); without, everything goes. extraDirs are further
// folders of the VM ("[ds] dir") to remove, e.g. on other datastores.
func (m *Manager) destroy(ctx context.Context, s *esxi.Session, snap *esxi.Snapshot, v *esxi.VM, extraDirs []string, res *Result) error {
	obj := object.NewVirtualMachine(s.Client, v.Ref)
	if v.PowerState != string(types.VirtualMachinePowerStatePoweredOff) {
		task, err := obj.PowerOff(ctx)
		if _, err := esxi.WaitTask(ctx, "power off VM "+v.Name, task, err); err != nil && esxi.KindOf(err) != esxi.KindInvalidState {
			return err
		}
		if res != nil {
			res.ForcedPowerOff = true
		}
	}
	vmDS, vmDir := datastoreDir(v.VMXPath)
	dc := datacenterOf(snap, v)
	// Attached disks (outside the VM's folder) are not the VM's: a real
	// host's Destroy_Task would delete them with it, wherever they live,
	// so they are detached first, whatever the caller keeps.
	if err := detachAttached(ctx, s, v, vmDir, res); err != nil {
		return err
	}
	kept := map[string]bool{}
	if res != nil {
		keep := keptSlots(v.ExtraConfig)
		var detach []diskInfo
		for _, d := range disks(v.Devices) {
			if keep[d.slot] && !outsideFolder(vmDir, d.file) {
				detach = append(detach, d)
			}
		}
		if len(detach) > 0 {
			var spec types.VirtualMachineConfigSpec
			for _, d := range detach {
				spec.DeviceChange = append(spec.DeviceChange, &types.VirtualDeviceConfigSpec{
					Operation: types.VirtualDeviceConfigSpecOperationRemove, Device: d.dev})
			}
			if err := reconfigure(ctx, s, v, spec); err != nil {
				return fmt.Errorf("detach the disks to keep: %w", err)
			}
			for _, d := range detach {
				dst, err := moveKept(ctx, s, dc, d, vmDir)
				if err != nil {
					return fmt.Errorf("disk %s was detached to be kept, but moving it out of the VM's folder failed, so the VM was not deleted: %w", d.file, err)
				}
				kept[d.file] = true
				res.KeptDisks = append(res.KeptDisks, dst)
			}
		}
	}

	task, err := obj.Destroy(ctx)
	if _, err := esxi.WaitTask(ctx, "destroy VM "+v.Name, task, err); err != nil {
		if esxi.KindOf(err) == esxi.KindNotFound {
			// Someone else removed it meanwhile; its folder may already
			// hold another VM of the same name: leave the files alone.
			return nil
		}
		return err
	}

	// Whatever the host left in the VM's folders goes too, unless another
	// VM keeps files there.
	dirs := map[string]bool{}
	if vmDir != "" {
		dirs[dsPath(vmDS, vmDir)] = true
	}
	for _, d := range disks(v.Devices) {
		if ds, dir := datastoreDir(d.file); dir == vmDir && !kept[d.file] && dir != "" {
			dirs[dsPath(ds, dir)] = true
		}
	}
	for _, d := range extraDirs {
		dirs[d] = true
	}
	fm := object.NewFileManager(s.Client)
	var dco *object.Datacenter
	if dc != nil {
		dco = object.NewDatacenter(s.Client, *dc)
	}
	for dir := range dirs {
		if sharedDir(snap, v, dir) {
			continue
		}
		task, err := fm.DeleteDatastoreFile(ctx, dir, dco)
		if _, err := esxi.WaitTask(ctx, "delete folder "+dir, task, err); err != nil && esxi.KindOf(err) != esxi.KindNotFound {
			return fmt.Errorf("the VM is destroyed, but its folder remains: %w", err)
		}
	}
	return nil
}

// sharedDir reports whether a VM other than v has files in dir ("[ds] dir").
func sharedDir(snap *esxi.Snapshot, v *esxi.VM, dir string) bool {
	in := func(file string) bool {
		ds, d := datastoreDir(file)
		return d != "" && dsPath(ds, d) == dir
	}
	for i := range snap.VMs {
		o := &snap.VMs[i]
		if o.Ref == v.Ref {
			continue
		}
		if in(o.VMXPath) {
			return true
		}
		for _, d := range disks(o.Devices) {
			if in(d.file) {
				return true
			}
		}
	}
	return false
}

// moveKept moves a detached disk out of the VM's folder (on any datastore)
// into "<vm folder>-kept" beside it, so removing the VM's folder spares it.
// A disk elsewhere stays where it is.
func moveKept(ctx context.Context, s *esxi.Session, dc *types.ManagedObjectReference, d diskInfo, vmDir string) (string, error) {
	ds, dir := datastoreDir(d.file)
	if vmDir == "" || dir != vmDir {
		return d.file, nil
	}
	var dco *object.Datacenter
	if dc != nil {
		dco = object.NewDatacenter(s.Client, *dc)
	}
	target := dir + "-kept"
	err := object.NewFileManager(s.Client).MakeDirectory(ctx, dsPath(ds, target), dco, true)
	if err != nil && esxi.KindOf(err) != esxi.KindDuplicateName {
		return "", esxi.Wrap("make folder "+dsPath(ds, target), err)
	}
	base := strings.TrimSuffix(path.Base(d.file[strings.Index(d.file, "]")+1:]), ".vmdk")
	vdm := object.NewVirtualDiskManager(s.Client)
	for i := 0; i < 100; i++ {
		name := base + ".vmdk"
		if i > 0 {
			name = fmt.Sprintf("%s-%d.vmdk", base, i)
		}
		dst := dsPath(ds, target+"/"+name)
		task, err := vdm.MoveVirtualDisk(ctx, d.file, dco, dst, dco, false)
		_, err = esxi.WaitTask(ctx, "move disk "+d.file+" to "+dst, task, err)
		if err == nil {
			return dst, nil
		}
		if esxi.KindOf(err) != esxi.KindDuplicateName {
			return "", err
		}
	}
	return "", fmt.Errorf("no free file name for %s in %s", base, dsPath(ds, target))
}
