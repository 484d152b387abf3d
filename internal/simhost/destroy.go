package simhost

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/types"
)

// Strict rule: Destroy_Task ends after the VM's folder is gone.
//
// On a real host Destroy_Task completes once the VM's files are deleted.
// The simulator starts that deletion as a task of its own and does not wait
// for it, so a VM made again under the same name right after a destroy (a
// leftover removed, then the create that follows) can have its new folder
// deleted by the old VM's late deletion, and its disks then fail with
// FileNotFound. The rule deletes the folder of a powered-off VM before the
// simulator's Destroy runs, which gives the real order; the simulator's own
// deletion then finds nothing and its result is ignored. A powered-on VM is
// left alone: Destroy refuses it, and its files must stay.
func (h *Host) destroyRule(ctx *simulator.Context, m *simulator.Method) {
	if m.Name != "Destroy_Task" {
		return
	}
	vm, ok := ctx.Map.Get(m.This).(*simulator.VirtualMachine)
	if !ok {
		return
	}
	var folder string
	var diskFiles []string
	ctx.WithLock(vm, func() {
		if vm.Config != nil && vm.Runtime.PowerState == types.VirtualMachinePowerStatePoweredOff {
			folder = vm.Config.Files.LogDirectory
			diskFiles = attachedDiskFiles(vm.Config.Hardware.Device)
		}
	})
	h.deleteDiskFiles(ctx, diskFiles)
	ds, rel, ok := strings.Cut(strings.TrimPrefix(folder, "["), "] ")
	rel = strings.Trim(filepath.Clean("/"+rel), "/")
	if !ok || rel == "" || rel == "." {
		return // never the datastore's root
	}
	if root := h.datastoreDir(ctx, ds); root != "" {
		_ = os.RemoveAll(filepath.Join(root, rel))
	}
}

// Strict rule: Destroy_Task deletes every disk the VM has, wherever it
// lives.
//
// A real host deletes each disk attached to the VM when it destroys it,
// also one outside the VM's folder (a shared or separately made VMDK):
// only a disk removed from the VM first survives. The simulator deletes the
// VM's folder alone, so a disk elsewhere survived a destroy there, and a
// provider that forgot to detach it would pass. The rule deletes the
// descriptor and extent of every disk of a powered-off VM.
func attachedDiskFiles(devices []types.BaseVirtualDevice) []string {
	var out []string
	for _, d := range devices {
		disk, ok := d.(*types.VirtualDisk)
		if !ok {
			continue
		}
		if b, ok := disk.Backing.(types.BaseVirtualDeviceFileBackingInfo); ok {
			out = append(out, b.GetVirtualDeviceFileBackingInfo().FileName)
		}
	}
	return out
}

func (h *Host) deleteDiskFiles(ctx *simulator.Context, files []string) {
	for _, f := range files {
		ds, rel, ok := strings.Cut(strings.TrimPrefix(f, "["), "] ")
		rel = strings.Trim(filepath.Clean("/"+rel), "/")
		if !ok || !strings.HasSuffix(rel, ".vmdk") {
			continue
		}
		if root := h.datastoreDir(ctx, ds); root != "" {
			_ = os.Remove(filepath.Join(root, rel))
			_ = os.Remove(filepath.Join(root, strings.TrimSuffix(rel, ".vmdk")+"-flat.vmdk"))
		}
	}
}
