package simhost

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// Strict rule: a disk copy takes time, and ends only when it is done or
// cancelled.
//
// On a real host CopyVirtualDisk_Task of a large disk runs for minutes; a
// client that stops waiting (a timeout, Ctrl-C, a killed process) does not
// stop it, only CancelTask does. Cancelling is a request: the task notices
// it, removes its partial destination, and only then ends with
// RequestCanceled. govmomi's simulator copies at once, and its CancelTask
// ends a task on the spot. With HoldCopies the host keeps every new copy
// running until ReleaseCopies lets it finish or a CancelTask stops it, so
// the tests can prove that ceso cancels what it gives up on, waits for the
// task to end, and never cleans up around a copy in flight.

// copyHold is the state of the rule.
type copyHold struct {
	on      atomic.Bool
	mu      sync.Mutex
	release chan struct{} // closed by ReleaseCopies
	running atomic.Int32
	started atomic.Int32
	stopped atomic.Int32 // cancelled
}

// HoldCopies makes every CopyVirtualDisk_Task started from now on run until
// it is cancelled or ReleaseCopies is called.
func (h *Host) HoldCopies() {
	h.hold.mu.Lock()
	h.hold.release = make(chan struct{})
	h.hold.mu.Unlock()
	h.hold.on.Store(true)
}

// ReleaseCopies lets the held copies finish, and new ones run at once.
func (h *Host) ReleaseCopies() {
	h.hold.on.Store(false)
	h.hold.mu.Lock()
	if h.hold.release != nil {
		close(h.hold.release)
		h.hold.release = nil
	}
	h.hold.mu.Unlock()
}

// RunningCopies is how many held copies have not ended yet.
func (h *Host) RunningCopies() int { return int(h.hold.running.Load()) }

// CancelledCopies is how many held copies a CancelTask stopped.
func (h *Host) CancelledCopies() int { return int(h.hold.stopped.Load()) }

// StartedCopies is how many copies were held since the host started.
func (h *Host) StartedCopies() int { return int(h.hold.started.Load()) }

// holdingDiskManager replaces the simulator's VirtualDiskManager (same
// reference) to apply the rule.
type holdingDiskManager struct {
	*simulator.VirtualDiskManager
	h *Host
}

// holdingTask is a copy's task: CancelTask only asks it to stop.
type holdingTask struct {
	*simulator.Task
	cancel chan struct{}
	once   sync.Once
}

// CancelTask asks the copy to stop, as a real host does: the task ends
// (state error, RequestCanceled) once it has removed its partial copy.
func (t *holdingTask) CancelTask(ctx *simulator.Context, _ *types.CancelTask) soap.HasFault {
	body := new(methods.CancelTaskBody)
	var done bool
	ctx.WithLock(t.Task, func() {
		done = t.Info.State == types.TaskInfoStateSuccess || t.Info.State == types.TaskInfoStateError
	})
	if done {
		body.Fault_ = simulator.Fault("", new(types.InvalidState))
		return body
	}
	ctx.Update(t.Task, []types.PropertyChange{{Name: "info.cancelled", Val: true}})
	t.once.Do(func() { close(t.cancel) })
	body.Res = new(types.CancelTaskResponse)
	return body
}

// holdEntity gives the held task a lock of its own: the simulator locks a
// task's entity while the task runs, and a copy that holds the disk
// manager's lock would stall every other disk operation of the host.
type holdEntity struct{ Self types.ManagedObjectReference }

func (e *holdEntity) Reference() types.ManagedObjectReference { return e.Self }

var holdSeq atomic.Int64

func (m *holdingDiskManager) CopyVirtualDiskTask(ctx *simulator.Context, req *types.CopyVirtualDisk_Task) soap.HasFault {
	h := m.h
	h.hold.mu.Lock()
	release := h.hold.release
	h.hold.mu.Unlock()
	if !h.hold.on.Load() || release == nil {
		return m.VirtualDiskManager.CopyVirtualDiskTask(ctx, req)
	}
	// The copy itself is the simulator's (its task ends at once); the task
	// the client sees is the one that holds.
	res := m.VirtualDiskManager.CopyVirtualDiskTask(ctx, req)
	inner, ok := res.(*methods.CopyVirtualDisk_TaskBody)
	if !ok || inner.Res == nil {
		return res // the simulator refused the copy: pass its fault on
	}
	innerRef := inner.Res.Returnval
	h.hold.started.Add(1)
	h.hold.running.Add(1)
	ht := &holdingTask{cancel: make(chan struct{})}
	ent := &holdEntity{Self: types.ManagedObjectReference{Type: "VirtualDiskManager", Value: fmt.Sprintf("%s-copy-%d", m.Self.Value, holdSeq.Add(1))}}
	ht.Task = simulator.CreateTask(ent, "copyVirtualDisk", func(t *simulator.Task) (types.AnyType, types.BaseMethodFault) {
		defer h.hold.running.Add(-1)
		if it, ok := ctx.Map.Get(innerRef).(*simulator.Task); ok {
			it.Wait()
			var f *types.LocalizedMethodFault
			ctx.WithLock(it, func() { f = it.Info.Error })
			if f != nil {
				return nil, f.Fault
			}
		}
		select {
		case <-release:
			return nil, nil
		case <-ht.cancel:
			h.hold.stopped.Add(1)
		}
		// A cancelled copy removes its partial destination before it ends.
		fm := ctx.Map.FileManager()
		for _, name := range []string{req.DestName, simulator.VirtualDiskBackingFileName(req.DestName)} {
			body, ok := fm.DeleteDatastoreFileTask(ctx, &types.DeleteDatastoreFile_Task{This: fm.Self, Name: name, Datacenter: req.DestDatacenter}).(*methods.DeleteDatastoreFile_TaskBody)
			if ok && body.Res != nil {
				if dt, ok := ctx.Map.Get(body.Res.Returnval).(*simulator.Task); ok {
					dt.Wait()
				}
			}
		}
		time.Sleep(50 * time.Millisecond) // the removal takes a moment, as it does on a host
		return nil, &types.RequestCanceled{}
	})
	ref := ht.Task.Run(ctx)
	ctx.Map.Put(ht)
	return &methods.CopyVirtualDisk_TaskBody{Res: &types.CopyVirtualDisk_TaskResponse{Returnval: ref}}
}

// installCopyHold puts the rule's disk manager in place of the simulator's.
func (h *Host) installCopyHold() {
	reg := h.Model.Map()
	if vdm, ok := reg.VirtualDiskManager().(*simulator.VirtualDiskManager); ok {
		reg.Put(&holdingDiskManager{VirtualDiskManager: vdm, h: h})
	}
}

var _ mo.Reference = (*holdEntity)(nil)
