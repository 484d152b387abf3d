package simhost

import (
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/types"
)

// Strict rule: ReconfigVM_Task honours the spec's changeVersion.
//
// On a real host a reconfigure whose spec carries changeVersion fails with
// ConcurrentAccess when the VM's configuration changed since that version
// was read: a compare-and-swap two clients use so that only one of them
// acts on a VM. The simulator updates the version but never compares it.
func (h *Host) changeVersionRule(ctx *simulator.Context, m *simulator.Method) types.BaseMethodFault {
	req, ok := m.Body.(*types.ReconfigVM_Task)
	if !ok || req.Spec.ChangeVersion == "" {
		return nil
	}
	vm, ok := ctx.Map.Get(m.This).(*simulator.VirtualMachine)
	if !ok {
		return nil
	}
	var cur string
	ctx.WithLock(vm, func() {
		if vm.Config != nil {
			cur = vm.Config.ChangeVersion
		}
	})
	if cur != req.Spec.ChangeVersion {
		return &types.ConcurrentAccess{}
	}
	return nil
}
