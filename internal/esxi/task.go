package esxi

import (
	"context"
	"errors"
	"sync"

	"github.com/vmware/govmomi/fault"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/property"
	"github.com/vmware/govmomi/task"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/types"
)

// sessionCollector is one property collector per session for task waits.
// govmomi's Task.WaitForResult creates and destroys a collector for every
// wait (5 round trips); the session's default collector is cheaper but is
// not safe for concurrent waits (they hang, see SIMULATOR.md). A pooled
// session is used by one goroutine at a time, so a collector of its own,
// with a lock in case a caller does wait from several goroutines, costs 3
// round trips per wait and never hangs.
type sessionCollector struct {
	mu sync.Mutex
	pc *property.Collector
}

var collectors sync.Map // *vim25.Client -> *sessionCollector

func collectorFor(c *vim25.Client) *sessionCollector {
	v, _ := collectors.LoadOrStore(c, &sessionCollector{})
	sc, _ := v.(*sessionCollector) // the map only ever holds *sessionCollector
	return sc
}

// forgetCollectors drops a session's collector when it logs out.
func forgetCollectors(c *vim25.Client) { collectors.Delete(c) }

// WaitTask waits for a task and classifies its failure as op.
func WaitTask(ctx context.Context, op string, t *object.Task, err error) (*types.TaskInfo, error) {
	if err != nil {
		return nil, Wrap(op, err)
	}
	sc := collectorFor(t.Client())
	sc.mu.Lock()
	defer sc.mu.Unlock()
	info, err := sc.wait(ctx, t)
	if err != nil && collectorGone(err) {
		// The host ended the session and the transport logged in again: the
		// collector (and a filter of a wait in flight) ended with the old
		// session. The task is not the session's, so wait again on a
		// collector of the new one.
		info, err = sc.wait(ctx, t)
	}
	if err != nil {
		return info, Wrap(op, err)
	}
	return info, nil
}

func (sc *sessionCollector) wait(ctx context.Context, t *object.Task) (*types.TaskInfo, error) {
	if sc.pc == nil {
		pc, err := property.DefaultCollector(t.Client()).Create(ctx)
		if err != nil {
			return nil, err
		}
		sc.pc = pc
	}
	info, err := task.WaitEx(ctx, t.Reference(), sc.pc, nil)
	if err != nil {
		var taskFault task.Error
		if !errors.As(err, &taskFault) {
			// The wait itself failed (cancelled, connection lost, session
			// ended): a filter may be left on the collector, or the collector
			// may be gone, so the next wait starts with a new one.
			old := sc.pc
			sc.pc = nil
			go func() { _ = old.Destroy(context.WithoutCancel(ctx)) }()
		}
	}
	return info, err
}

// collectorGone reports whether err says a property collector or filter no
// longer exists: they belong to a session and end with it.
func collectorGone(err error) bool {
	var nf *types.ManagedObjectNotFound
	if _, ok := fault.As(err, &nf); !ok || nf == nil {
		return false
	}
	return nf.Obj.Type == "PropertyCollector" || nf.Obj.Type == "PropertyFilter"
}
