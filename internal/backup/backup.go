package backup

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/esxi-commander/terraform-provider-ceso/internal/esxi"
)

// cleanupTimeout bounds the clean-up after a failed backup, which runs even
// when the caller's context is cancelled.
const cleanupTimeout = 5 * time.Minute

// API is what the Terraform glue needs from this package; *Manager
// implements it, and a test provider can swap in its own.
type API interface {
	Backup(ctx context.Context, spec Spec) (*Result, error)
	Read(ctx context.Context, ref string) (*Manifest, error)
	Find(ctx context.Context, ref, datacenter string) (*Manifest, error)
	List(ctx context.Context, destination string, f Filter) ([]Entry, error)
	Delete(ctx context.Context, ref string) error
	VMName(ctx context.Context, uuid string) (string, error)
	CheckDisks(ctx context.Context, vmUUID string, exclude []string) error
	PlanInPlace(ctx context.Context, spec InPlace) (*InPlacePlan, error)
	RestoreInPlace(ctx context.Context, spec InPlace) (*InPlaceResult, error)
	CheckDestination(ctx context.Context, vmUUID, destination string) error
}

var _ API = (*Manager)(nil)

// Manager runs backups against one endpoint. It is safe for concurrent
// use; backups of the same VM run one after the other.
type Manager struct {
	client  *esxi.Client
	version string
	now     func() time.Time

	mu   sync.Mutex
	busy map[string]*sync.Mutex

	// requests counts HTTP requests to /folder (SOAP calls are counted by
	// the pool), for benchmarks.
	requests atomic.Int64
	// hook, in tests, runs after each step; errAbandon from it stops the
	// backup on the spot without any clean-up, as a killed process would.
	hook func(step string) error

	// LeaseTTL is how long a backup's lease lasts without a renewal
	// (DefaultLeaseTTL when zero; at least 2 s).
	LeaseTTL time.Duration
}

// errAbandon, returned by a test hook, simulates the death of the process.
var errAbandon = errors.New("backup abandoned (simulated crash)")

// New returns a Manager over a connected client; version is the ceso
// version recorded in manifests.
func New(c *esxi.Client, version string) *Manager {
	if version == "" {
		version = "dev"
	}
	return &Manager{client: c, version: version, now: time.Now, busy: map[string]*sync.Mutex{}}
}

// HTTPRequests is the number of /folder downloads and uploads so far.
func (m *Manager) HTTPRequests() int64 { return m.requests.Load() }

// lock serialises the backups of one VM in this process: a second backup
// would take the first one's snapshot for a leftover and remove it.
func (m *Manager) lock(uuid string) func() {
	m.mu.Lock()
	l, ok := m.busy[uuid]
	if !ok {
		l = &sync.Mutex{}
		m.busy[uuid] = l
	}
	m.mu.Unlock()
	l.Lock()
	return l.Unlock
}

// Spec is one backup to make.
type Spec struct {
	// VM is the instance (or BIOS) UUID of the VM to back up.
	VM string
	// Destination is the folder that holds the backups, "[datastore]
	// folder"; each backup goes to <folder>/<vm name>/<backup id>/.
	Destination string
	// Quiesce quiesces the guest's file systems through VMware Tools for
	// the snapshot, when Tools run in the guest (else the backup is crash
	// consistent and Result.Warnings says so).
	Quiesce bool
	// DiskFormat is the provisioning of the copies: thin (default), thick
	// or eager_zeroed.
	DiskFormat string
	// Keep is how many complete backups of this VM to keep under the
	// destination, this one included; older ones are removed after this
	// backup succeeded. 0 keeps them all. It is Retention.Last, kept under
	// its old name; Retention.Last wins when both are set.
	Keep int
	// Retention adds daily, weekly and monthly rules to Keep (see
	// Retention); a backup any rule keeps survives.
	Retention Retention
	// Verify re-reads the copies from the datastore and checks them.
	Verify bool
	// AllowExistingSnapshots backs up a VM that has snapshots of its own
	// (its disks are copied as they are now, the chain consolidated);
	// without it such a VM is refused.
	AllowExistingSnapshots bool
	// ExcludeDisks names disks to leave out, by label ("Hard disk 2") or
	// place ("scsi:0:1", or "0:1" when one controller family has it); a
	// name that matches no disk refuses the backup.
	ExcludeDisks []string
	// SkipIndependentDisks leaves out disks a snapshot does not cover
	// (independent modes, raw device mappings) instead of refusing the VM;
	// Result.Warnings names each.
	SkipIndependentDisks bool
	// Triggers are recorded in the manifest, so an import recovers them.
	Triggers map[string]string
	// ConfirmPrune, when set, is asked before anything is written whether
	// retention may remove the given complete backups after this one
	// succeeds; an error stops the backup before it starts. Pruning loses
	// backups, so the caller's policy decides it, not the retention count.
	ConfirmPrune func(ctx context.Context, dirs []string) error
}

// Result is what a backup did.
type Result struct {
	Manifest *Manifest // the backup (status complete), or the failed attempt's manifest
	// CleanedUp lists what interrupted backups had left and this one
	// removed: snapshots and folders without a manifest.
	CleanedUp []string
	// Pruned lists the backup folders removed by retention (and failed
	// attempts of this VM).
	Pruned   []string
	Warnings []string
	Duration time.Duration
}

func (s *Spec) validate() (Location, error) {
	var errs []error
	if strings.TrimSpace(s.VM) == "" {
		errs = append(errs, fieldErr("vm", "Missing VM", "vm must be the UUID of the VM to back up, e.g. ceso_vm.web.id."))
	}
	dest, err := ParseLocation(s.Destination)
	if err != nil {
		errs = append(errs, err)
	}
	switch s.DiskFormat {
	case "":
		s.DiskFormat = FormatThin
	case FormatThin, FormatThick, FormatEagerZeroed:
	default:
		errs = append(errs, fieldErr("disk_format", "Invalid Disk Format", "disk_format is %q; use thin, thick or eager_zeroed.", s.DiskFormat))
	}
	if s.Keep < 0 {
		errs = append(errs, fieldErr("keep", "Invalid Retention", "keep is %d; use 0 to keep every backup, or the number of backups to keep.", s.Keep))
	}
	if r := s.Retention; r.Last < 0 || r.Daily < 0 || r.Weekly < 0 || r.Monthly < 0 {
		errs = append(errs, fieldErr("retention", "Invalid Retention", "retention has a negative count (%s); each is 0 (the rule is off) or more.", r))
	}
	return dest, errors.Join(errs...)
}

// retention is the effective policy: Keep is the keep_last of older
// configurations.
func (s *Spec) retention() Retention {
	p := s.Retention
	if p.Last == 0 {
		p.Last = s.Keep
	}
	return p
}

// VMName returns the name of the VM with the instance or BIOS UUID.
func (m *Manager) VMName(ctx context.Context, uuid string) (string, error) {
	snap, err := m.client.Inventory.Get(ctx)
	if err != nil {
		return "", err
	}
	v, err := snap.FindVM("uuid", uuid, "")
	if err != nil {
		return "", vmErr(uuid, err)
	}
	return v.Name, nil
}

func vmErr(uuid string, err error) error {
	if esxi.IsNotFound(err) {
		return &FieldError{Field: "vm", Summary: "VM Not Found", Err: err,
			Detail: fmt.Sprintf("no VM with UUID %q exists; it may have been deleted. List VMs with the ceso_vms data source.", uuid)}
	}
	return &FieldError{Field: "vm", Summary: "Ambiguous VM", Detail: err.Error(), Err: err}
}

// Backup makes one backup (see the package documentation for the steps).
// On failure after the first change the error says what was cleaned up,
// and Result.Manifest, when not nil, is the failed attempt's manifest.
func (m *Manager) Backup(ctx context.Context, spec Spec) (*Result, error) {
	start := m.now()
	dest, err := spec.validate()
	if err != nil {
		return nil, err
	}
	if err := m.client.CheckWritable(); err != nil {
		return nil, err
	}
	unlock := m.lock(strings.ToLower(spec.VM))
	defer unlock()

	m.client.Inventory.Invalidate()
	snap, err := m.client.Inventory.Get(ctx)
	if err != nil {
		return nil, err
	}
	v, err := snap.FindVM("uuid", spec.VM, "")
	if err != nil {
		return nil, vmErr(spec.VM, err)
	}
	ds, err := destinationDatastore(snap, dest, v.Datacenter)
	if err != nil {
		return nil, err
	}
	dc, err := snap.FindDatacenter(v.Datacenter)
	if err != nil {
		return nil, err
	}
	r := &run{m: m, spec: spec, snap: snap, vm: v, dest: dest, ds: ds, dc: dc, res: &Result{}, start: start}
	err = m.client.Pool.WithSession(ctx, r.do)
	m.client.Inventory.Invalidate()
	r.res.Duration = m.now().Sub(start)
	if err != nil {
		return r.res, err
	}
	return r.res, nil
}
