package vm

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vmware/govmomi/vim25/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/esxi"
)

// API is what the Terraform glue needs from this package; *Manager
// implements it, and a test provider can swap in its own.
type API interface {
	Create(ctx context.Context, spec Spec, opts Options) (*Result, error)
	PlanCreate(ctx context.Context, spec Spec) error
	Read(ctx context.Context, uuid string, ro ReadOptions) (*VMState, error)
	Lookup(ctx context.Context, id string, ro ReadOptions) (*VMState, error)
	PlanUpdate(ctx context.Context, uuid string, spec Spec) (*UpdatePlan, error)
	Update(ctx context.Context, uuid string, spec Spec, opts Options) (*Result, error)
	SetPower(ctx context.Context, uuid, power string, opts Options) (*Result, error)
	WaitForIP(ctx context.Context, uuid string, timeout time.Duration) (*VMState, error)
	Delete(ctx context.Context, uuid string) (*Result, error)
}

var _ API = (*Manager)(nil)

// Manager runs VM operations against one endpoint. It is safe for
// concurrent use: the resource operations Terraform runs in parallel share
// one Manager (and its client's session pool and inventory).
type Manager struct {
	client *esxi.Client
	// DefaultDatacenter is the provider's datacenter, used by every spec
	// that names none.
	DefaultDatacenter string
	// LeaseTTL is how long a create lease lasts without a renewal
	// (DefaultLeaseTTL when zero; at least 2 s).
	LeaseTTL time.Duration

	mu         sync.Mutex
	creating   map[string]bool                         // names being created by this process
	sources    map[string]types.ManagedObjectReference // templates found by value (source.go)
	wrote      atomic.Bool                             // a VM write was made (PlanCreate)
	clockKnown bool
	clockSkew  time.Duration // the host's clock minus the local one
}

// New returns a Manager over a connected client.
func New(c *esxi.Client) *Manager {
	return &Manager{client: c, creating: map[string]bool{}, sources: map[string]types.ManagedObjectReference{}}
}

func (m *Manager) vcenter() bool { return m.client.Facts().IsVCenter }

// withDefaults fills what the spec leaves to the provider's configuration.
func (m *Manager) withDefaults(s *Spec) {
	if s.Datacenter == "" {
		s.Datacenter = m.DefaultDatacenter
	}
}

// snapshot returns the shared inventory read. It must never be called while
// holding a session: the inventory needs one of its own, and a pool full of
// holders waiting for it would deadlock.
func (m *Manager) snapshot(ctx context.Context) (*esxi.Snapshot, error) {
	return m.client.Inventory.Get(ctx)
}

// fresh drops the shared read first, for the decisions of a write. The
// whole read it takes is all new; only the separate read of everything but
// the VMs, which a create uses, is kept.
func (m *Manager) fresh(ctx context.Context) (*esxi.Snapshot, error) {
	m.client.Inventory.InvalidateVMs()
	return m.client.Inventory.Get(ctx)
}

// write runs fn with a pooled session and invalidates the inventory
// afterwards, success or failure, so the next read sees the change. A VM's
// write changes VMs only: the read of everything else stays (InvalidateVMs).
func (m *Manager) write(ctx context.Context, fn func(ctx context.Context, s *esxi.Session) error) error {
	m.wrote.Store(true)
	defer m.client.Inventory.InvalidateVMs()
	return m.client.Pool.WithSession(ctx, fn)
}

// claim marks name as being created by this process, so two creates of the
// same name in one provider run do not clean up each other's VM.
func (m *Manager) claim(key string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.creating[key] {
		return false
	}
	m.creating[key] = true
	return true
}

func (m *Manager) release(key string) {
	m.mu.Lock()
	delete(m.creating, key)
	m.mu.Unlock()
}

// findByUUID returns the VM with the instance (or BIOS) UUID.
func findByUUID(snap *esxi.Snapshot, uuid string) (*esxi.VM, error) {
	v, err := snap.FindVM("uuid", uuid, "")
	if err != nil {
		if esxi.IsNotFound(err) {
			return nil, &NotFoundError{By: "uuid", Value: uuid}
		}
		return nil, err
	}
	return &v, nil
}
