package esxi

import (
	"context"
	"errors"
	"sync"
	"time"

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
// not safe for concurrent waits (ten goroutines waiting over one session
// hung, and the simulator then would not shut down). A pooled
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
		return nil, within(op, err)
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
		return info, within(op, err)
	}
	return info, nil
}

// within classifies err as the failure of op. An error the transport
// already classified names only the SOAP call (a timeout of
// WaitForUpdatesEx): it keeps its kind and gets op in front, so the user
// learns which operation it was.
func within(op string, err error) error {
	var e *Error
	if errors.As(err, &e) && e.Op != op {
		return &Error{Op: op, Kind: e.Kind, Err: err}
	}
	return Wrap(op, err)
}

func (sc *sessionCollector) wait(ctx context.Context, t *object.Task) (*types.TaskInfo, error) {
	if sc.pc == nil {
		pc, err := property.DefaultCollector(t.Client()).Create(ctx)
		if err != nil {
			return nil, err
		}
		sc.pc = pc
	}
	info, err := waitInfo(ctx, sc.pc, t.Reference(), waitSlice(t.Client()))
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

// maxWaitSlice bounds how long the host may hold one WaitForUpdatesEx of a
// task wait when the task does not change.
const maxWaitSlice = time.Minute

// waitSlice is how long one WaitForUpdatesEx of a task wait may last on the
// host: api_timeout, at least a second and at most maxWaitSlice.
func waitSlice(c *vim25.Client) time.Duration {
	if tr, ok := c.RoundTripper.(*transport); ok && tr.timeout > 0 {
		return min(max(tr.timeout, time.Second), maxWaitSlice)
	}
	return maxWaitSlice
}

// waitInfo waits for a task to end, as task.WaitEx does, but with
// WaitForUpdatesEx calls the host answers within slice even when nothing
// changed (MaxWaitSeconds). The transport can then bound each call, so a
// connection that stalls (open, but nothing passes) fails the wait within
// slice plus api_timeout instead of hanging it until the operation's own
// timeout. A task that ends within a slice costs the same three round
// trips as task.WaitEx.
func waitInfo(ctx context.Context, pc *property.Collector, ref types.ManagedObjectReference, slice time.Duration) (*types.TaskInfo, error) {
	secs := int32(min(slice, maxWaitSlice) / time.Second) //nolint:gosec // at most 60
	filter := &property.WaitFilter{WaitOptions: property.WaitOptions{PropagateMissing: true,
		Options: &types.WaitOptions{MaxWaitSeconds: types.NewInt32(secs)}}}
	filter.Add(ref, ref.Type, []string{"info"})
	var info *types.TaskInfo
	ended := func() bool {
		return info != nil && (info.State == types.TaskInfoStateSuccess || info.State == types.TaskInfoStateError)
	}
	onUpdates := func(updates []types.ObjectUpdate) bool {
		for _, u := range updates {
			if u.Obj != ref {
				continue
			}
			for _, c := range u.ChangeSet {
				if ti, ok := c.Val.(types.TaskInfo); ok && c.Name == "info" && c.Op == types.PropertyChangeOpAssign {
					info = &ti
				}
			}
		}
		return ended()
	}
	pf, err := pc.CreateFilter(ctx, filter.CreateFilter)
	if err != nil {
		return nil, err
	}
	defer func() { _ = pf.Destroy(context.WithoutCancel(ctx)) }()
	for !ended() {
		// Returns when the task ended, or with nothing when MaxWaitSeconds
		// passed: then wait again.
		if err := pc.WaitForUpdatesEx(ctx, &filter.WaitOptions, onUpdates); err != nil {
			return info, err
		}
		if err := ctx.Err(); err != nil {
			return info, err
		}
	}
	if info.State == types.TaskInfoStateError {
		f := info.Error
		if f == nil {
			f = &types.LocalizedMethodFault{Fault: &types.SystemError{Reason: "unknown task error"}}
		}
		return info, task.Error{LocalizedMethodFault: f, Description: info.Description}
	}
	return info, nil
}
