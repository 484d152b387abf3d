package simhost

import (
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// Snapshot methods a real host has and govmomi's simulator lacks. The
// simulator dispatches a logged-in call to the object the session's own
// registry holds under the reference, else to the shared one; the map's
// handler cannot replace it. So for one call, a wrapper that embeds the
// simulator's object and adds the missing method goes into the calling
// session's registry (which has no property-collector handlers, so nothing
// else notices), and the session's next call takes it out again. The
// state a wrapper changes is the wrapped object's, seen by every read.

// extend puts the wrapper for this call, if one is needed, into the
// session's registry, after taking out the wrappers of its previous call.
func (h *Host) extend(ctx *simulator.Context, m *simulator.Method) {
	if ctx.Session == nil {
		return
	}
	key := ctx.Session.Key
	h.mu.Lock()
	stale := h.extended[key]
	delete(h.extended, key)
	h.mu.Unlock()
	for _, ref := range stale {
		ctx.Session.Registry.Remove(ctx, ref)
	}
	w := extension(ctx, m)
	if w == nil {
		return
	}
	ctx.Session.Registry.Put(w)
	h.mu.Lock()
	if h.extended == nil {
		h.extended = map[string][]types.ManagedObjectReference{}
	}
	h.extended[key] = append(h.extended[key], w.Reference())
	h.mu.Unlock()
}

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

// extension returns the wrapper that serves a method the simulator lacks,
// or nil to let the simulator serve it.
func extension(ctx *simulator.Context, m *simulator.Method) mo.Reference {
	switch m.Name {
	case "RenameSnapshot":
		if s, ok := ctx.Map.Get(m.This).(*simulator.VirtualMachineSnapshot); ok {
			return &snapshotExt{s}
		}
	case "ConsolidateVMDisks_Task":
		if v, ok := ctx.Map.Get(m.This).(*simulator.VirtualMachine); ok {
			return &vmExt{v}
		}
	}
	return nil
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
