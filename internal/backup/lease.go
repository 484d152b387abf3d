package backup

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/vmware/govmomi/vim25/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/esxi"
)

// A backup in progress holds its folder with a lease: a file in the folder
// naming the backup's id and the time, on the host's clock, until which it
// holds it; the run renews it while it works and removes it once the
// manifest is written. Another process (a second workspace, a retry after a
// crash) never removes a leftover snapshot or a folder without a manifest
// whose lease runs, nor one a host task may still work on: a per-process
// lock proves nothing across processes.

// LeaseName is the lease file in the folder of a backup in progress.
const LeaseName = "ceso-lease.json"

// DefaultLeaseTTL is how long a backup lease lasts without a renewal; the
// run renews it every third of that.
const DefaultLeaseTTL = 3 * time.Minute

type leaseFile struct {
	ID    string    `json:"id"`
	Until time.Time `json:"until"` // host clock
}

func (m *Manager) leaseTTL() time.Duration {
	if m.LeaseTTL <= 0 {
		return DefaultLeaseTTL
	}
	return max(m.LeaseTTL, 2*time.Second)
}

// readClock reads the host's clock once per run; leases are compared on it.
func (r *run) readClock(ctx context.Context, s *esxi.Session) error {
	t, err := esxi.HostTime(ctx, s)
	if err != nil {
		return err
	}
	r.skew = time.Until(t)
	return nil
}

func (r *run) hostNow() time.Time { return time.Now().Add(r.skew).UTC() }

// writeLease writes or renews the lease of this run's folder with st.
func (r *run) writeLease(ctx context.Context, st *store) error {
	b, err := json.Marshal(leaseFile{ID: r.id, Until: r.hostNow().Add(r.m.leaseTTL())})
	if err != nil {
		return err
	}
	return st.upload(ctx, r.dir.Join(LeaseName), b)
}

// leaseOf reads the lease in dir; a folder without one (a crash before it
// was written, or an older ceso) has none.
func (r *run) leaseOf(ctx context.Context, dir Location) (leaseFile, bool) {
	b, err := r.st.download(ctx, dir.Join(LeaseName))
	if err != nil {
		return leaseFile{}, false
	}
	var lf leaseFile
	if json.Unmarshal(b, &lf) != nil {
		return leaseFile{}, false
	}
	return lf, true
}

// beat renews a run's lease until stopped.
type beat struct {
	cancel context.CancelFunc
	done   chan struct{}
}

// renewLease starts renewing the lease, with a store of its own over the
// run's session (the run's store is not shared between goroutines).
func (r *run) renewLease(ctx context.Context, s *esxi.Session) *beat {
	bctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	b := &beat{cancel: cancel, done: make(chan struct{})}
	st := newStore(s, r.dc, r.snap, &r.m.requests)
	every := r.m.leaseTTL() / 3
	go func() {
		defer close(b.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-bctx.Done():
				return
			case <-t.C:
			}
			// A failed renewal is retried at the next tick; the lease covers
			// two missed ones.
			wctx, cancel := context.WithTimeout(bctx, every)
			_ = r.writeLease(wctx, st)
			cancel()
		}
	}()
	return b
}

func (b *beat) stop() {
	if b == nil {
		return
	}
	b.cancel()
	<-b.done
}

// BusyError says another backup of the VM runs (its lease holds), or a
// host task may still work on what an interrupted one left.
type BusyError struct {
	VM, ID string
	Until  time.Time
	Tasks  string
}

func (e *BusyError) Error() string {
	if e.Tasks != "" {
		return fmt.Sprintf("an interrupted backup of VM %s left a snapshot or a partial folder, but the host still runs %s, which may work on them; "+
			"ceso does not remove them while a task runs. Retry when the task has ended (or cancel it on the host)", e.VM, e.Tasks)
	}
	return fmt.Sprintf("another backup of VM %s is running (backup %s, which holds its folder until %s on the host's clock). "+
		"Wait for it to finish; if it was interrupted, retry after that time and ceso removes what it left", e.VM, e.ID, e.Until.Format(time.RFC3339))
}

// snapshotDest reads the destination folder of a leftover snapshot's
// backup from its description ("ceso backup <id> to <dest>; ...").
func snapshotDest(t types.VirtualMachineSnapshotTree, fallback Location) Location {
	id := strings.TrimPrefix(t.Name, SnapshotPrefix)
	d := strings.TrimPrefix(t.Description, "ceso backup "+id+" to ")
	if i := strings.Index(d, "; "); i > 0 && d != t.Description {
		if l, err := ParseLocation(d[:i]); err == nil {
			return l
		}
	}
	return fallback
}

// checkLeftovers refuses to touch what interrupted backups left while one
// of them still holds its lease or a host task may work on it.
func (r *run) checkLeftovers(ctx context.Context, s *esxi.Session, snaps []types.VirtualMachineSnapshotTree, earlier []Entry) error {
	var dirs []Location
	for _, t := range snaps {
		dirs = append(dirs, backupDir(snapshotDest(t, r.dest), r.vm.Name, strings.TrimPrefix(t.Name, SnapshotPrefix)))
	}
	for _, e := range earlier {
		if e.Status == StatusIncomplete {
			if dir, err := ParseLocation(e.Dir); err == nil {
				dirs = append(dirs, dir)
			}
		}
	}
	if len(dirs) == 0 {
		return nil
	}
	now := r.hostNow()
	for _, dir := range dirs {
		if lf, ok := r.leaseOf(ctx, dir); ok && now.Before(lf.Until) {
			return &FieldError{Field: "vm", Summary: "Backup Already Running", Err: &BusyError{VM: r.vm.Name, ID: lf.ID, Until: lf.Until},
				Detail: (&BusyError{VM: r.vm.Name, ID: lf.ID, Until: lf.Until}).Error()}
		}
	}
	tasks, err := esxi.RunningTasks(ctx, s, r.vm.Ref)
	if err != nil {
		return errors.Join(errors.New("what an interrupted backup left cannot be removed safely"), err)
	}
	if len(tasks) > 0 {
		e := &BusyError{VM: r.vm.Name, Tasks: esxi.TaskNames(tasks)}
		return &FieldError{Field: "vm", Summary: "Backup Already Running", Detail: e.Error(), Err: e}
	}
	return nil
}
