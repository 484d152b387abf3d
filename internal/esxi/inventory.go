package esxi

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vmware/govmomi/property"
	"github.com/vmware/govmomi/view"
	"github.com/vmware/govmomi/vim25/types"
	"golang.org/x/sync/singleflight"
)

// Inventory serves batched, shared reads of the whole inventory. Concurrent
// callers share one fetch (single-flight); a fetched snapshot is reused for a
// short time and dropped at once by Invalidate, which every write calls.
type Inventory struct {
	pool *Pool
	ttl  time.Duration

	mu      sync.Mutex
	gen     uint64
	cur     *Snapshot
	curGen  uint64
	flights singleflight.Group
	fetches atomic.Int64

	// The read of everything but the VMs (Infra): hosts, datastores,
	// networks, folders, pools. Its size does not depend on the number of
	// VMs, and a VM's write does not drop it (InvalidateVMs).
	infraGen    uint64
	infraCur    *Snapshot
	infraCurGen uint64
	infraReads  atomic.Int64
}

// NewInventory returns an inventory reader over pool.
func NewInventory(pool *Pool) *Inventory {
	return &Inventory{pool: pool, ttl: pool.cfg.InventoryTTL}
}

// Fetches is the number of fetches made so far (for tests and benchmarks).
func (inv *Inventory) Fetches() int64 { return inv.fetches.Load() }

// Current returns the whole read if one is cached and still valid (no
// younger than the TTL, taken after the last invalidation), without reading.
func (inv *Inventory) Current() (*Snapshot, bool) {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	if inv.cur != nil && inv.curGen == inv.gen && time.Since(inv.cur.Fetched) < inv.ttl {
		return inv.cur, true
	}
	return nil, false
}

// InfraFetches is the number of reads of everything but the VMs so far.
func (inv *Inventory) InfraFetches() int64 { return inv.infraReads.Load() }

// Invalidate drops the cached snapshots; the next Get or Infra reads the host again.
func (inv *Inventory) Invalidate() {
	inv.mu.Lock()
	inv.gen++
	inv.cur = nil
	inv.infraGen++
	inv.infraCur = nil
	inv.mu.Unlock()
}

// InvalidateVMs drops the whole read but keeps the read of everything but
// the VMs: a VM's create, change or removal changes no host, network,
// folder or pool. (It changes a datastore's free space: a create reads that
// afresh, see ReadObjects.)
func (inv *Inventory) InvalidateVMs() {
	inv.mu.Lock()
	inv.gen++
	inv.cur = nil
	inv.mu.Unlock()
}

// Infra returns a read of every object but the VMs, no older than the TTL
// and taken after the last Invalidate. Concurrent callers share one read.
func (inv *Inventory) Infra(ctx context.Context) (*Snapshot, error) {
	inv.mu.Lock()
	if inv.infraCur != nil && inv.infraCurGen == inv.infraGen && time.Since(inv.infraCur.Fetched) < inv.ttl {
		s := inv.infraCur
		inv.mu.Unlock()
		return s, nil
	}
	gen := inv.infraGen
	inv.mu.Unlock()
	ch := inv.flights.DoChan("infra-"+strconv.FormatUint(gen, 10), func() (any, error) {
		inv.infraReads.Add(1)
		s, err := inv.fetchKinds(context.WithoutCancel(ctx), infraKinds, infraProps())
		if err != nil {
			return nil, err
		}
		inv.mu.Lock()
		if inv.infraGen == gen {
			inv.infraCur, inv.infraCurGen = s, gen
		}
		inv.mu.Unlock()
		return s, nil
	})
	return awaitSnapshot(ctx, ch)
}

// awaitSnapshot waits for a shared read, or for the caller's cancellation.
func awaitSnapshot(ctx context.Context, ch <-chan singleflight.Result) (*Snapshot, error) {
	select {
	case r := <-ch:
		if r.Err != nil {
			return nil, r.Err
		}
		s, ok := r.Val.(*Snapshot)
		if !ok {
			return nil, Wrap("read inventory", errors.New("unexpected result of the shared read"))
		}
		return s, nil
	case <-ctx.Done():
		return nil, Wrap("read inventory", ctx.Err())
	}
}

// Get returns a snapshot no older than the TTL and taken after the last Invalidate.
func (inv *Inventory) Get(ctx context.Context) (*Snapshot, error) {
	inv.mu.Lock()
	if inv.cur != nil && inv.curGen == inv.gen && time.Since(inv.cur.Fetched) < inv.ttl {
		s := inv.cur
		inv.mu.Unlock()
		return s, nil
	}
	gen := inv.gen
	inv.mu.Unlock()

	ch := inv.flights.DoChan(strconv.FormatUint(gen, 10), func() (any, error) {
		// The fetch serves every waiting caller, so one caller's cancellation
		// must not fail the others; the API timeout still bounds each call.
		inv.fetches.Add(1)
		s, err := inv.fetchKinds(context.WithoutCancel(ctx), inventoryKinds, inventoryProps)
		if err != nil {
			return nil, err
		}
		inv.mu.Lock()
		if inv.gen == gen {
			inv.cur, inv.curGen = s, gen
		}
		inv.mu.Unlock()
		return s, nil
	})
	return awaitSnapshot(ctx, ch)
}

// Properties read in the one batched call. Adding a property here is the way
// to make new data available to every resource at no extra round trip; each
// one costs bytes for every object of its type on every read, so only what
// some caller uses is here. Waits read nothing here (see Watcher).
var inventoryProps = []types.PropertySpec{
	{Type: "VirtualMachine", PathSet: []string{
		"name", "parent", "parentVApp", "resourcePool", "datastore", "network", "snapshot",
		"runtime.host", "runtime.powerState",
		"config.instanceUuid", "config.uuid", "config.template", "config.guestId", "config.guestFullName",
		"config.firmware", "config.version", "config.annotation", "config.extraConfig",
		"config.hardware.numCPU", "config.hardware.numCoresPerSocket", "config.hardware.memoryMB",
		"config.hardware.device", "config.cpuHotAddEnabled", "config.memoryHotAddEnabled",
		"config.files.vmPathName", "config.nestedHVEnabled", "config.bootOptions",
		"config.memoryReservationLockedToMax", "config.memoryAllocation.reservation",
		"guest.net", "guest.ipAddress", "guest.toolsRunningStatus", "guest.toolsStatus",
	}},
	{Type: "HostSystem", PathSet: []string{
		"name", "parent", "datastore", "network", "runtime.connectionState", "runtime.inMaintenanceMode",
		"runtime.powerState", "summary.hardware", "summary.quickStats", "summary.config.product",
	}},
	{Type: "Datastore", PathSet: []string{"name", "parent", "summary"}},
	{Type: "Network", PathSet: []string{"name", "parent", "summary.accessible"}},
	{Type: "Datacenter", PathSet: []string{"name", "parent", "vmFolder", "datastoreFolder"}},
	{Type: "Folder", PathSet: []string{"name", "parent", "childType"}},
	{Type: "StoragePod", PathSet: []string{"name", "parent", "childType"}},
	{Type: "ResourcePool", PathSet: []string{"name", "parent", "owner"}},
	{Type: "VirtualApp", PathSet: []string{"name", "parent", "owner"}},
	{Type: "ComputeResource", PathSet: []string{"name", "parent", "resourcePool", "host"}},
}

// inventoryKinds are the types the container view holds; a type includes
// its subtypes (Folder: StoragePod; ResourcePool: VirtualApp;
// ComputeResource: ClusterComputeResource), and each subtype needs a case
// in index and add, or its children lose their paths.
var inventoryKinds = []string{"VirtualMachine", "HostSystem", "Datastore", "Network", "Datacenter", "Folder", "ResourcePool", "ComputeResource"}

// infraKinds are inventoryKinds without the VMs.
var infraKinds = inventoryKinds[1:]

// infraProps are inventoryProps without the VMs'.
func infraProps() []types.PropertySpec {
	var out []types.PropertySpec
	for _, p := range inventoryProps {
		if p.Type != "VirtualMachine" {
			out = append(out, p)
		}
	}
	return out
}

// fetchKinds reads every object of kinds in three round trips: create a
// container view over the root folder, one RetrieveProperties for every
// object and property, and destroy the view. The count does not depend on
// the size of the inventory (beyond the pages a host splits a large answer
// into).
func (inv *Inventory) fetchKinds(ctx context.Context, kinds []string, props []types.PropertySpec) (*Snapshot, error) {
	var contents []types.ObjectContent
	readOnce := func(ctx context.Context) error { return inv.readPages(ctx, kinds, props, &contents) }
	read := func(ctx context.Context) error {
		// A host pages a large read, and the page token and the container
		// view belong to the session: when the session ends between two
		// pages and the transport logs in again, the rest of the read fails
		// in the new session. Start over then (the relogin count says it
		// happened), a bounded number of times.
		for attempt := 1; ; attempt++ {
			before := inv.pool.relogins.Load()
			err := readOnce(ctx)
			if err == nil || attempt == maxReadRestarts || inv.pool.relogins.Load() == before || ctx.Err() != nil {
				return err
			}
		}
	}
	var err error
	if around := inv.pool.cfg.AroundFetch; around != nil {
		scope := scopeAll
		if len(kinds) != len(inventoryKinds) {
			scope = scopeInfra
		}
		err = around(context.WithValue(ctx, scopeKey{}, scope), read)
	} else {
		err = read(ctx)
	}
	if err != nil {
		return nil, err
	}
	return buildSnapshot(contents)
}

type scopeKey struct{}

const (
	scopeAll   = "all VMs, hosts, datastores and networks"
	scopeInfra = "hosts, datastores, networks, folders and resource pools (no VMs)"
)

// FetchScope says, inside AroundFetch, what the read covers: every object,
// or every object but the VMs (Infra).
func FetchScope(ctx context.Context) string {
	if s, ok := ctx.Value(scopeKey{}).(string); ok {
		return s
	}
	return scopeAll
}

// maxReadRestarts bounds how often one inventory read starts over after
// the session ended in the middle of it.
const maxReadRestarts = 3

// readPages reads every object and property through a container view in
// one paged RetrievePropertiesEx (and its continuations).
func (inv *Inventory) readPages(ctx context.Context, kinds []string, props []types.PropertySpec, contents *[]types.ObjectContent) error {
	return inv.pool.WithSession(ctx, func(ctx context.Context, s *Session) error {
		c := s.Client
		v, err := view.NewManager(c).CreateContainerView(ctx, c.ServiceContent.RootFolder, kinds, true)
		if err != nil {
			return Wrap("read inventory", err)
		}
		defer func() { _ = v.Destroy(context.WithoutCancel(ctx)) }()
		req := types.RetrieveProperties{SpecSet: []types.PropertyFilterSpec{{
			ObjectSet: []types.ObjectSpec{{
				Obj:       v.Reference(),
				Skip:      types.NewBool(true),
				SelectSet: []types.BaseSelectionSpec{&types.TraversalSpec{Type: "ContainerView", Path: "view"}},
			}},
			PropSet: props,
		}}}
		res, err := property.DefaultCollector(c).RetrieveProperties(ctx, req)
		if err != nil {
			return Wrap("read inventory", err)
		}
		*contents = res.Returnval
		return nil
	})
}
