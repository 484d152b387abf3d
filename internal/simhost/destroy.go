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
	ctx.WithLock(vm, func() {
		if vm.Config != nil && vm.Runtime.PowerState == types.VirtualMachinePowerStatePoweredOff {
			folder = vm.Config.Files.LogDirectory
		}
	})
	ds, rel, ok := strings.Cut(strings.TrimPrefix(folder, "["), "] ")
	rel = strings.Trim(filepath.Clean("/"+rel), "/")
	if !ok || rel == "" || rel == "." {
		return // never the datastore's root
	}
	if root := h.datastoreDir(ctx, ds); root != "" {
		_ = os.RemoveAll(filepath.Join(root, rel))
	}
}
