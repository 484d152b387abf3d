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
}

// NewInventory returns an inventory reader over pool.
func NewInventory(pool *Pool) *Inventory {
	return &Inventory{pool: pool, ttl: pool.cfg.InventoryTTL}
}

// Fetches is the number of fetches made so far (for tests and benchmarks).
func (inv *Inventory) Fetches() int64 { return inv.fetches.Load() }

// Invalidate drops the cached snapshot; the next Get reads the host again.
func (inv *Inventory) Invalidate() {
	inv.mu.Lock()
	inv.gen++
	inv.cur = nil
	inv.mu.Unlock()
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
		s, err := inv.fetch(context.WithoutCancel(ctx))
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

// fetch reads everything in three round trips: create a container view over
// the root folder, one RetrieveProperties for every object and property, and
// destroy the view. The count does not depend on the size of the inventory
// (beyond the pages a host splits a large answer into).
func (inv *Inventory) fetch(ctx context.Context) (*Snapshot, error) {
	inv.fetches.Add(1)
	var contents []types.ObjectContent
	readOnce := func(ctx context.Context) error { return inv.readPages(ctx, &contents) }
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
		err = around(ctx, read)
	} else {
		err = read(ctx)
	}
	if err != nil {
		return nil, err
	}
	return buildSnapshot(contents)
}

// maxReadRestarts bounds how often one inventory read starts over after
// the session ended in the middle of it.
const maxReadRestarts = 3

// readPages reads every object and property through a container view in
// one paged RetrievePropertiesEx (and its continuations).
func (inv *Inventory) readPages(ctx context.Context, contents *[]types.ObjectContent) error {
	return inv.pool.WithSession(ctx, func(ctx context.Context, s *Session) error {
		c := s.Client
		v, err := view.NewManager(c).CreateContainerView(ctx, c.ServiceContent.RootFolder, inventoryKinds, true)
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
			PropSet: inventoryProps,
		}}}
		res, err := property.DefaultCollector(c).RetrieveProperties(ctx, req)
		if err != nil {
			return Wrap("read inventory", err)
		}
		*contents = res.Returnval
		return nil
	})
}
