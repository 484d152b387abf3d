package simhost

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/types"
)

// Strict rules for RelocateVM_Task.
//
// A standalone ESXi host has no RelocateVM_Task (moving a VM between
// datastores or hosts is vCenter's job): it answers NotSupported; the
// simulator's ESX model relocates. On vCenter, a Storage vMotion moves the
// VM's home folder to the new datastore and its disks with it (unless a
// disk locator keeps one where it is), also a disk outside the VM's
// folder, which lands in the VM's folder on the target: the .vmx path and
// the disk backings then name the new datastore. The simulator only changes the VM's
// datastore list and leaves the files and paths where they were.

// relocateRule refuses or completes a RelocateVM_Task as a real endpoint
// does; it runs before the simulator's own relocation.
func (h *Host) relocateRule(ctx *simulator.Context, m *simulator.Method) types.BaseMethodFault {
	req, ok := m.Body.(*types.RelocateVM_Task)
	if !ok {
		return nil
	}
	if !h.Options.VCenter {
		return &types.NotSupported{RuntimeFault: types.RuntimeFault{MethodFault: types.MethodFault{
			FaultMessage: []types.LocalizableMessage{{Key: "msg.relocate.standalone", Message: "The operation is not supported on a standalone ESXi host (RelocateVM_Task)"}}}}}
	}
	if req.Spec.Datastore == nil {
		return nil
	}
	vm, ok := ctx.Map.Get(m.This).(*simulator.VirtualMachine)
	if !ok {
		return nil
	}
	to, ok := ctx.Map.Get(*req.Spec.Datastore).(*simulator.Datastore)
	if !ok {
		return nil
	}
	var fault types.BaseMethodFault
	ctx.WithLock(vm, func() {
		var from object.DatastorePath
		if vm.Config == nil || !from.FromString(vm.Config.Files.VmPathName) || from.Datastore == to.Name {
			return
		}
		src := h.datastoreDir(ctx, from.Datastore)
		dir := filepath.Dir(from.Path)
		if src == "" || dir == "." {
			return
		}
		dst := strings.TrimPrefix(to.Info.GetDatastoreInfo().Url, "file://")
		if err := os.MkdirAll(filepath.Join(dst, filepath.Dir(dir)), 0o750); err != nil {
			fault = &types.CannotCreateFile{FileFault: types.FileFault{File: dir}}
			return
		}
		if err := os.Rename(filepath.Join(src, dir), filepath.Join(dst, dir)); err != nil {
			fault = &types.CannotCreateFile{FileFault: types.FileFault{File: dir}}
			return
		}
		kept := map[int32]bool{}
		for _, l := range req.Spec.Disk {
			if l.Datastore != to.Self {
				kept[l.DiskId] = true
			}
		}
		oldPrefix := "[" + from.Datastore + "] " + dir + "/"
		newPrefix := "[" + to.Name + "] " + dir + "/"
		for _, d := range vm.Config.Hardware.Device {
			disk, ok := d.(*types.VirtualDisk)
			if !ok || kept[disk.Key] {
				continue
			}
			b, ok := disk.Backing.(*types.VirtualDiskFlatVer2BackingInfo)
			if !ok {
				continue
			}
			if strings.HasPrefix(b.FileName, oldPrefix) {
				b.FileName = newPrefix + strings.TrimPrefix(b.FileName, oldPrefix)
				ref := to.Self
				b.Datastore = &ref
				continue
			}
			// A disk outside the VM's folder with no locator moves too,
			// into the VM's folder on the target, as on vCenter.
			if moved, ok := h.moveDiskInto(ctx, b.FileName, filepath.Join(dst, dir)); ok {
				b.FileName = newPrefix + moved
				ref := to.Self
				b.Datastore = &ref
			}
		}
		ctx.Update(vm, []types.PropertyChange{
			{Name: "config.files.vmPathName", Val: newPrefix + filepath.Base(from.Path)},
			{Name: "config.hardware.device", Val: vm.Config.Hardware.Device},
		})
	})
	return fault
}

// datastoreDir is the local folder of a simulated datastore.
func (h *Host) datastoreDir(ctx *simulator.Context, name string) string {
	for _, e := range ctx.Map.All("Datastore") {
		if ds, ok := e.(*simulator.Datastore); ok && ds.Name == name {
			return strings.TrimPrefix(ds.Info.GetDatastoreInfo().Url, "file://")
		}
	}
	return ""
}

// moveDiskInto moves a disk's descriptor and extent ("[ds] path.vmdk")
// into the local folder dst, returning the descriptor's new file name.
func (h *Host) moveDiskInto(ctx *simulator.Context, file, dst string) (string, bool) {
	var p object.DatastorePath
	if !p.FromString(file) {
		return "", false
	}
	root := h.datastoreDir(ctx, p.Datastore)
	if root == "" {
		return "", false
	}
	base := filepath.Base(p.Path)
	if err := os.Rename(filepath.Join(root, p.Path), filepath.Join(dst, base)); err != nil {
		return "", false
	}
	flat := strings.TrimSuffix(p.Path, ".vmdk") + "-flat.vmdk"
	_ = os.Rename(filepath.Join(root, flat), filepath.Join(dst, filepath.Base(flat)))
	return base, true
}
