package esxi

import (
	"context"
	"sync"

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
	return v.(*sessionCollector)
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
	if sc.pc == nil {
		if sc.pc, err = property.DefaultCollector(t.Client()).Create(ctx); err != nil {
			sc.pc = nil
			return nil, Wrap(op, err)
		}
	}
	info, err := task.WaitEx(ctx, t.Reference(), sc.pc, nil)
	if err != nil {
		if _, isTaskFault := err.(task.Error); !isTaskFault {
			// The wait itself failed (cancelled, connection lost): a filter may
			// be left on the collector, so the next wait starts with a new one.
			old := sc.pc
			sc.pc = nil
			go func() { _ = old.Destroy(context.Background()) }()
		}
		return info, Wrap(op, err)
	}
	return info, nil
}
