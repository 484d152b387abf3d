package esxi

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/vmware/govmomi/property"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

// Watcher serves waits on VMs (an IP address, a power state) by watching
// only the VMs waited on, and only the properties a wait looks at: one
// property collector of its own, a filter per VM, and WaitForUpdatesEx,
// which answers with what changed. A poll costs one call whose answer is the
// changes of the watched VMs, whatever the size of the inventory, where a
// full inventory read per poll (every VM's devices and extra config) costs
// more than the poll interval on a host with a thousand VMs.
//
// The collector is the watcher's own, created on the session it holds while
// waits run, and only the watcher's goroutine waits on it: govmomi's WaitEx
// on a session's default collector is not safe for concurrent waits.
type Watcher struct {
	pool *Pool
	// Slice is how long one WaitForUpdatesEx may last on the host; a new
	// wait is picked up after at most that long. Default 1 s.
	Slice time.Duration

	mu      sync.Mutex
	waits   map[types.ManagedObjectReference]map[*watch]bool
	state   map[types.ManagedObjectReference]*VM
	watched map[types.ManagedObjectReference]bool // the loop has a filter on the VM
	running bool
	polls   int64
}

type watch struct {
	wake chan struct{} // signalled on every update of the VM, and on errors
	err  error
}

// watchedProps are the properties a wait looks at.
var watchedProps = []string{"name", "runtime.powerState", "guest.ipAddress", "guest.net", "guest.toolsRunningStatus", "guest.toolsStatus", "summary.quickStats.guestHeartbeatStatus"}

// NewWatcher returns a watcher over pool; it logs nothing in until a wait
// starts.
func NewWatcher(pool *Pool) *Watcher {
	return &Watcher{pool: pool, waits: map[types.ManagedObjectReference]map[*watch]bool{}, state: map[types.ManagedObjectReference]*VM{}, watched: map[types.ManagedObjectReference]bool{}}
}

// Polls is the number of WaitForUpdatesEx calls made (for tests and
// benchmarks).
func (w *Watcher) Polls() int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.polls
}

// Wait blocks until cond holds for the VM ref, ctx ends, or watching fails.
// cond sees a VM with only Ref, Name, PowerState, PrimaryIP, IPAddresses,
// ToolsRunning, ToolsStatus and Heartbeat set. It returns the last values seen.
func (w *Watcher) Wait(ctx context.Context, ref types.ManagedObjectReference, cond func(*VM) bool) (*VM, error) {
	wt := &watch{wake: make(chan struct{}, 1)}
	w.mu.Lock()
	if w.waits[ref] == nil {
		w.waits[ref] = map[*watch]bool{}
		if !w.watched[ref] {
			// Values from an earlier watch may be stale. While the loop
			// still has a filter on the VM they are current, and must stay:
			// that filter reports only changes, not what is already there.
			delete(w.state, ref)
		}
	}
	w.waits[ref][wt] = true
	if !w.running {
		w.running = true
		// The watch serves every wait, so no one wait's context may end it;
		// it ends by itself when no wait is left.
		go w.run() //nolint:gosec // G118: see above
	}
	w.mu.Unlock()
	defer func() {
		w.mu.Lock()
		delete(w.waits[ref], wt)
		if len(w.waits[ref]) == 0 {
			delete(w.waits, ref)
		}
		w.mu.Unlock()
	}()
	for {
		w.mu.Lock()
		v, err := w.state[ref], wt.err
		w.mu.Unlock()
		if v != nil && cond(v) {
			return v, nil
		}
		if err != nil {
			return v, err
		}
		select {
		case <-ctx.Done():
			return v, ctx.Err()
		case <-wt.wake:
		}
	}
}

// run watches while there are waits, restarting after a failure (a session
// that ended takes its collector with it) a few times before it gives the
// error to the waits.
func (w *Watcher) run() {
	failures := 0
	for {
		before := w.Polls()
		err := w.pool.WithSession(context.Background(), w.loop)
		if w.Polls() > before+1 {
			failures = 0 // it watched a while before it failed
		}
		w.mu.Lock()
		if len(w.waits) == 0 {
			w.running = false
			w.mu.Unlock()
			return
		}
		if err == nil {
			w.mu.Unlock()
			continue
		}
		failures++
		if failures < 3 {
			w.mu.Unlock()
			continue
		}
		for _, ws := range w.waits {
			for wt := range ws {
				wt.err = err
				wt.signal()
			}
		}
		w.running = false
		w.mu.Unlock()
		return
	}
}

func (wt *watch) signal() {
	select {
	case wt.wake <- struct{}{}:
	default:
	}
}

// loop runs one collector until no wait is left or a call fails.
func (w *Watcher) loop(ctx context.Context, s *Session) error {
	pc, err := property.DefaultCollector(s.Client).Create(ctx)
	if err != nil {
		return Wrap("create a property collector for waits", err)
	}
	defer func() { _ = pc.Destroy(context.WithoutCancel(ctx)) }()
	filters := map[types.ManagedObjectReference]types.ManagedObjectReference{}
	defer func() {
		w.mu.Lock()
		for ref := range filters {
			delete(w.watched, ref)
		}
		w.mu.Unlock()
	}()
	values := map[types.ManagedObjectReference]*mo.VirtualMachine{}
	slice := w.Slice
	if slice < time.Second {
		slice = time.Second
	}
	secs := int32(slice / time.Second) //nolint:gosec // a few seconds
	version := ""
	for {
		w.mu.Lock()
		want := make([]types.ManagedObjectReference, 0, len(w.waits))
		for ref := range w.waits {
			want = append(want, ref)
		}
		w.mu.Unlock()
		if len(want) == 0 {
			return nil
		}
		keep := map[types.ManagedObjectReference]bool{}
		for _, ref := range want {
			keep[ref] = true
			if _, ok := filters[ref]; ok {
				continue
			}
			res, err := methods.CreateFilter(ctx, s.Client, &types.CreateFilter{This: pc.Reference(), Spec: types.PropertyFilterSpec{
				ObjectSet: []types.ObjectSpec{{Obj: ref}},
				PropSet:   []types.PropertySpec{{Type: "VirtualMachine", PathSet: watchedProps}},
			}})
			if err != nil {
				return Wrap("watch VM "+ref.Value, err)
			}
			filters[ref] = res.Returnval
			w.mu.Lock()
			w.watched[ref] = true
			w.mu.Unlock()
		}
		for ref, f := range filters {
			if !keep[ref] {
				_, _ = methods.DestroyPropertyFilter(ctx, s.Client, &types.DestroyPropertyFilter{This: f})
				delete(filters, ref)
				delete(values, ref)
				w.mu.Lock()
				delete(w.watched, ref)
				delete(w.state, ref)
				w.mu.Unlock()
			}
		}
		res, err := methods.WaitForUpdatesEx(ctx, s.Client, &types.WaitForUpdatesEx{This: pc.Reference(), Version: version,
			Options: &types.WaitOptions{MaxWaitSeconds: types.NewInt32(secs)}})
		w.mu.Lock()
		w.polls++
		w.mu.Unlock()
		if err != nil {
			return Wrap("wait for changes of the watched VMs", err)
		}
		if res.Returnval == nil {
			continue // nothing changed within the slice
		}
		version = res.Returnval.Version
		w.apply(res.Returnval.FilterSet, values)
	}
}

// apply folds a batch of changes into the watched values and wakes the
// waits of the VMs that changed.
func (w *Watcher) apply(sets []types.PropertyFilterUpdate, values map[types.ManagedObjectReference]*mo.VirtualMachine) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, fs := range sets {
		for _, u := range fs.ObjectSet {
			o := values[u.Obj]
			if o == nil {
				o = &mo.VirtualMachine{}
				o.Self = u.Obj
				values[u.Obj] = o
			}
			if u.Kind == types.ObjectUpdateKindLeave {
				delete(values, u.Obj)
				for wt := range w.waits[u.Obj] {
					wt.err = &Error{Op: "wait for VM " + u.Obj.Value, Kind: KindNotFound, Err: ErrWatchGone}
				}
			} else {
				mo.ApplyPropertyChange(o, u.ChangeSet)
				v := watchedVM(o)
				w.state[u.Obj] = &v
			}
			for wt := range w.waits[u.Obj] {
				wt.signal()
			}
		}
	}
}

// watchedVM is the part of a VM a wait looks at.
func watchedVM(o *mo.VirtualMachine) VM {
	v := VM{Ref: o.Self, Name: o.Name, PowerState: string(o.Runtime.PowerState)}
	v.PrimaryIP, v.IPAddresses, v.ToolsRunning, v.ToolsStatus = guestFacts(o.Guest)
	v.Heartbeat = string(o.Summary.QuickStats.GuestHeartbeatStatus)
	return v
}

// guestFacts reads the guest's addresses and tools status; the primary
// address comes first.
func guestFacts(g *types.GuestInfo) (primary string, all []string, tools, toolsStatus string) {
	if g == nil {
		return "", nil, "", ""
	}
	seen := map[string]bool{}
	for _, n := range g.Net {
		for _, ip := range n.IpAddress {
			if !seen[ip] {
				seen[ip] = true
				all = append(all, ip)
			}
		}
	}
	if g.IpAddress != "" && !seen[g.IpAddress] {
		all = append([]string{g.IpAddress}, all...)
	}
	return g.IpAddress, all, g.ToolsRunningStatus, string(g.ToolsStatus)
}

// ErrWatchGone is returned when the watched VM no longer exists.
var ErrWatchGone = errors.New("the VM no longer exists")
