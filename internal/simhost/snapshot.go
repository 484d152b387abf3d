package simhost

import (
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// snapshotExt adds RenameSnapshot (a real host renames a snapshot and
// changes its description in the VM's snapshot tree; an empty value leaves
// that field unchanged).
type snapshotExt struct {
	*simulator.VirtualMachineSnapshot
}

func (s *snapshotExt) RenameSnapshot(ctx *simulator.Context, req *types.RenameSnapshot) soap.HasFault {
	body := &methods.RenameSnapshotBody{}
	vm, ok := ctx.Map.Get(s.Vm).(*simulator.VirtualMachine)
	if !ok {
		body.Fault_ = simulator.Fault("", &types.ManagedObjectNotFound{Obj: s.Vm})
		return body
	}
	found := false
	ctx.WithLock(vm, func() {
		if vm.Snapshot == nil {
			return
		}
		found = renameInTree(vm.Snapshot.RootSnapshotList, req)
		if found {
			ctx.Update(vm, []types.PropertyChange{{Name: "snapshot.rootSnapshotList", Val: vm.Snapshot.RootSnapshotList}})
		}
	})
	if !found {
		body.Fault_ = simulator.Fault("", &types.NotFound{})
		return body
	}
	body.Res = &types.RenameSnapshotResponse{}
	return body
}

func renameInTree(ts []types.VirtualMachineSnapshotTree, req *types.RenameSnapshot) bool {
	for i := range ts {
		if ts[i].Snapshot == req.This {
			if req.Name != "" {
				ts[i].Name = req.Name
			}
			if req.Description != "" {
				ts[i].Description = req.Description
			}
			return true
		}
		if renameInTree(ts[i].ChildSnapshotList, req) {
			return true
		}
	}
	return false
}

// vmExt adds ConsolidateVMDisks_Task: a real host merges leftover delta
// disks and clears runtime.consolidationNeeded.
type vmExt struct{ *simulator.VirtualMachine }

func (v *vmExt) ConsolidateVMDisksTask(ctx *simulator.Context, _ *types.ConsolidateVMDisks_Task) soap.HasFault {
	task := simulator.CreateTask(v, "consolidateVMDisks", func(*simulator.Task) (types.AnyType, types.BaseMethodFault) {
		ctx.WithLock(v.VirtualMachine, func() {
			ctx.Update(v.VirtualMachine, []types.PropertyChange{{Name: "runtime.consolidationNeeded", Val: false}})
		})
		return nil, nil
	})
	return &methods.ConsolidateVMDisks_TaskBody{Res: &types.ConsolidateVMDisks_TaskResponse{Returnval: task.Run(ctx)}}
}

// NeedConsolidation makes the VM that owns the snapshot of a
// RemoveSnapshot_Task report runtime.consolidationNeeded, as a real host
// does when it could not merge a delta disk (a lock held by a backup
// appliance, a full datastore). Use it as a hook: h.AddHook(simhost.NeedConsolidation).
func NeedConsolidation(ctx *simulator.Context, m *simulator.Method) types.BaseMethodFault {
	if m.Name != "RemoveSnapshot_Task" {
		return nil
	}
	s, ok := ctx.Map.Get(m.This).(*simulator.VirtualMachineSnapshot)
	if !ok {
		return nil
	}
	if vm, ok := ctx.Map.Get(s.Vm).(*simulator.VirtualMachine); ok {
		ctx.WithLock(vm, func() {
			ctx.Update(vm, []types.PropertyChange{{Name: "runtime.consolidationNeeded", Val: true}})
		})
	}
	return nil
}

// dropRootCurrent works around a simulator panic: removing the current
// snapshot when it is a root with other snapshots left makes the simulator
// apply a typed nil parent. A real host then has no current snapshot; so
// does the simulator after this, and its own removal code skips the step.
func dropRootCurrent(ctx *simulator.Context, m *simulator.Method) {
	if m.Name != "RemoveSnapshot_Task" {
		return
	}
	s, ok := ctx.Map.Get(m.This).(*simulator.VirtualMachineSnapshot)
	if !ok {
		return
	}
	vm, ok := ctx.Map.Get(s.Vm).(*simulator.VirtualMachine)
	if !ok {
		return
	}
	ctx.WithLock(vm, func() {
		si := vm.Snapshot
		if si == nil || si.CurrentSnapshot == nil || *si.CurrentSnapshot != m.This {
			return
		}
		for _, root := range si.RootSnapshotList {
			if root.Snapshot == m.This {
				si.CurrentSnapshot = nil
			}
		}
	})
}

// revertPower makes a revert leave the VM in the power state the snapshot
// recorded, as a real host does: powered off after a snapshot without
// memory, running after one with memory. The simulator's revert leaves
// the power state alone, which would hide that a revert stops a VM.
func revertPower(ctx *simulator.Context, m *simulator.Method) {
	if m.Name != "RevertToSnapshot_Task" {
		return
	}
	s, ok := ctx.Map.Get(m.This).(*simulator.VirtualMachineSnapshot)
	if !ok {
		return
	}
	vm, ok := ctx.Map.Get(s.Vm).(*simulator.VirtualMachine)
	if !ok {
		return
	}
	ctx.WithLock(vm, func() {
		if vm.Snapshot == nil {
			return
		}
		var state types.VirtualMachinePowerState
		var walk func([]types.VirtualMachineSnapshotTree)
		walk = func(ts []types.VirtualMachineSnapshotTree) {
			for _, t := range ts {
				if t.Snapshot == m.This {
					state = t.State
				}
				walk(t.ChildSnapshotList)
			}
		}
		walk(vm.Snapshot.RootSnapshotList)
		if state != "" && state != vm.Runtime.PowerState {
			ctx.Update(vm, []types.PropertyChange{
				{Name: "runtime.powerState", Val: state},
				{Name: "summary.runtime.powerState", Val: state},
			})
		}
	})
}
