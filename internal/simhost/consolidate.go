package simhost

import (
	"sync/atomic"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// Strict rule: removing a snapshot can leave delta disks behind.
//
// On a real host RemoveSnapshot_Task can succeed while the consolidation
// of the VM's disks fails (a disk locked by a backup appliance, a full
// datastore): the host then sets runtime.consolidationNeeded, the client
// shows "Virtual machine disks consolidation is needed", and the delta
// files keep growing until ConsolidateVMDisks_Task runs. The simulator
// never sets the flag and has no ConsolidateVMDisks_Task. With LeaveDeltas
// every snapshot removal sets the flag, and ConsolidateVMDisks_Task clears it.

type consolidation struct {
	on    atomic.Bool
	count atomic.Int32
}

// LeaveDeltas makes every snapshot removal from now on leave the VM
// needing consolidation.
func (h *Host) LeaveDeltas() { h.deltas.on.Store(true) }

// Consolidations is how many ConsolidateVMDisks_Task the host ran.
func (h *Host) Consolidations() int { return int(h.deltas.count.Load()) }

// consolidateRule sets the flag before a removal, and serves
// ConsolidateVMDisks_Task with a VM wrapper that implements it.
func (h *Host) consolidateRule(ctx *simulator.Context, m *simulator.Method) {
	switch m.Name {
	case "RemoveSnapshot_Task":
		if !h.deltas.on.Load() {
			return
		}
		if s, ok := ctx.Map.Get(m.This).(*simulator.VirtualMachineSnapshot); ok {
			if vm, ok := ctx.Map.Get(s.Vm).(*simulator.VirtualMachine); ok {
				ctx.WithLock(vm, func() {
					ctx.Update(vm, []types.PropertyChange{{Name: "runtime.consolidationNeeded", Val: true}})
				})
			}
		}
	case "ConsolidateVMDisks_Task":
		// The simulator's VM has no such method: put a wrapper that has it
		// in its place for this call; the wrapper puts the VM back.
		if vm, ok := ctx.Map.Get(m.This).(*simulator.VirtualMachine); ok {
			ctx.Map.Put(&consolidatingVM{VirtualMachine: vm, h: h})
		}
	}
}

type consolidatingVM struct {
	*simulator.VirtualMachine
	h *Host
}

func (w *consolidatingVM) ConsolidateVMDisksTask(ctx *simulator.Context, _ *types.ConsolidateVMDisks_Task) soap.HasFault {
	vm := w.VirtualMachine
	ctx.Map.Put(vm)
	task := simulator.CreateTask(vm, "consolidateVMDisks", func(*simulator.Task) (types.AnyType, types.BaseMethodFault) {
		ctx.Update(vm, []types.PropertyChange{{Name: "runtime.consolidationNeeded", Val: false}})
		w.h.deltas.count.Add(1)
		return nil, nil
	})
	return &methods.ConsolidateVMDisks_TaskBody{Res: &types.ConsolidateVMDisks_TaskResponse{Returnval: task.Run(ctx)}}
}
