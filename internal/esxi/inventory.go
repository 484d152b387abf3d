package esxi

import (
	"context"
	"errors"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vmware/govmomi/property"
	"github.com/vmware/govmomi/view"
	"github.com/vmware/govmomi/vim25/mo"
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
// to make new data available to every resource at no extra round trip.
var inventoryProps = []types.PropertySpec{
	{Type: "VirtualMachine", PathSet: []string{
		"name", "parent", "resourcePool", "datastore", "network", "snapshot",
		"runtime.host", "runtime.powerState", "runtime.connectionState",
		"config.instanceUuid", "config.uuid", "config.template", "config.guestId", "config.guestFullName",
		"config.firmware", "config.version", "config.annotation", "config.extraConfig",
		"config.hardware.numCPU", "config.hardware.numCoresPerSocket", "config.hardware.memoryMB",
		"config.hardware.device", "config.cpuHotAddEnabled", "config.memoryHotAddEnabled",
		"config.files.vmPathName", "config.nestedHVEnabled", "config.bootOptions",
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
	{Type: "ResourcePool", PathSet: []string{"name", "parent", "owner"}},
	{Type: "ComputeResource", PathSet: []string{"name", "parent", "resourcePool", "host"}},
}

var inventoryKinds = []string{"VirtualMachine", "HostSystem", "Datastore", "Network", "Datacenter", "Folder", "ResourcePool", "ComputeResource"}

// fetch reads everything in three round trips: create a container view over
// the root folder, one RetrieveProperties for every object and property, and
// destroy the view. The count does not depend on the size of the inventory.
func (inv *Inventory) fetch(ctx context.Context) (*Snapshot, error) {
	inv.fetches.Add(1)
	var contents []types.ObjectContent
	read := func(ctx context.Context) error {
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
			contents = res.Returnval
			return nil
		})
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

// buildSnapshot converts raw contents into ceso's types, resolving parents
// into inventory paths and references into names.
func buildSnapshot(contents []types.ObjectContent) (*Snapshot, error) {
	b := &snapshotBuilder{entities: map[types.ManagedObjectReference]entity{}}
	var objs []any
	for _, oc := range contents {
		o, err := mo.ObjectContentToType(oc)
		if err != nil {
			return nil, Wrap("decode inventory", err)
		}
		objs = append(objs, o)
		b.index(o)
	}
	snap := &Snapshot{Fetched: time.Now()}
	for _, o := range objs {
		b.add(snap, o)
	}
	sort.Slice(snap.VMs, func(i, j int) bool { return snap.VMs[i].Path < snap.VMs[j].Path })
	sort.Slice(snap.Hosts, func(i, j int) bool { return snap.Hosts[i].Path < snap.Hosts[j].Path })
	sort.Slice(snap.Datastores, func(i, j int) bool { return snap.Datastores[i].Path < snap.Datastores[j].Path })
	sort.Slice(snap.Networks, func(i, j int) bool { return snap.Networks[i].Path < snap.Networks[j].Path })
	return snap, nil
}

type entity struct {
	name   string
	parent *types.ManagedObjectReference
	isDC   bool
}

type snapshotBuilder struct {
	entities map[types.ManagedObjectReference]entity
}

func (b *snapshotBuilder) index(o any) {
	switch v := o.(type) {
	case mo.VirtualMachine:
		b.entities[v.Self] = entity{name: v.Name, parent: v.Parent}
	case mo.HostSystem:
		b.entities[v.Self] = entity{name: v.Name, parent: v.Parent}
	case mo.Datastore:
		b.entities[v.Self] = entity{name: v.Name, parent: v.Parent}
	case mo.Network:
		b.entities[v.Self] = entity{name: v.Name, parent: v.Parent}
	case mo.DistributedVirtualPortgroup:
		b.entities[v.Self] = entity{name: v.Name, parent: v.Parent}
	case mo.OpaqueNetwork:
		b.entities[v.Self] = entity{name: v.Name, parent: v.Parent}
	case mo.Datacenter:
		b.entities[v.Self] = entity{name: v.Name, parent: v.Parent, isDC: true}
	case mo.Folder:
		b.entities[v.Self] = entity{name: v.Name, parent: v.Parent}
	case mo.ResourcePool:
		b.entities[v.Self] = entity{name: v.Name, parent: v.Parent}
	case mo.ComputeResource:
		b.entities[v.Self] = entity{name: v.Name, parent: v.Parent}
	case mo.ClusterComputeResource:
		b.entities[v.Self] = entity{name: v.Name, parent: v.Parent}
	}
}

// path walks the parents up to (not including) the root folder.
func (b *snapshotBuilder) path(ref types.ManagedObjectReference) (path, datacenter string) {
	var parts []string
	cur := ref
	for i := 0; i < 64; i++ {
		e, ok := b.entities[cur]
		if !ok || e.parent == nil {
			break // the root folder has no parent and no place in paths
		}
		parts = append(parts, e.name)
		if e.isDC {
			datacenter = e.name
		}
		cur = *e.parent
	}
	for i, j := 0, len(parts)-1; i < j; i, j = i+1, j-1 {
		parts[i], parts[j] = parts[j], parts[i]
	}
	return "/" + strings.Join(parts, "/"), datacenter
}

func (b *snapshotBuilder) name(ref types.ManagedObjectReference) string {
	return b.entities[ref].name
}

func (b *snapshotBuilder) add(s *Snapshot, o any) {
	switch v := o.(type) {
	case mo.VirtualMachine:
		s.VMs = append(s.VMs, b.vm(v))
	case mo.HostSystem:
		s.Hosts = append(s.Hosts, b.host(v))
	case mo.Datastore:
		p, dc := b.path(v.Self)
		d := Datastore{Ref: v.Self, Name: v.Name, Path: p, Datacenter: dc,
			Type: v.Summary.Type, URL: v.Summary.Url, Capacity: v.Summary.Capacity,
			FreeSpace: v.Summary.FreeSpace, Accessible: v.Summary.Accessible, Maintenance: v.Summary.MaintenanceMode}
		s.Datastores = append(s.Datastores, d)
	case mo.Network:
		s.Networks = append(s.Networks, b.network(v.Self, v.Name, "Network", v.Summary))
	case mo.DistributedVirtualPortgroup:
		s.Networks = append(s.Networks, b.network(v.Self, v.Name, "DistributedVirtualPortgroup", v.Summary))
	case mo.OpaqueNetwork:
		s.Networks = append(s.Networks, b.network(v.Self, v.Name, "OpaqueNetwork", v.Summary))
	case mo.Datacenter:
		p, _ := b.path(v.Self)
		s.Datacenters = append(s.Datacenters, Datacenter{Ref: v.Self, Name: v.Name, Path: p, VMFolder: v.VmFolder, DatastoreFolder: v.DatastoreFolder})
	case mo.Folder:
		p, dc := b.path(v.Self)
		s.Folders = append(s.Folders, Folder{Ref: v.Self, Name: v.Name, Path: p, Datacenter: dc, ChildType: v.ChildType})
	case mo.ResourcePool:
		p, dc := b.path(v.Self)
		s.ResourcePools = append(s.ResourcePools, ResourcePool{Ref: v.Self, Name: v.Name, Path: p, Datacenter: dc, Owner: v.Owner})
	case mo.ComputeResource:
		s.ComputeResources = append(s.ComputeResources, b.compute(v.Self, v.Name, false, v.ResourcePool, v.Host))
	case mo.ClusterComputeResource:
		s.ComputeResources = append(s.ComputeResources, b.compute(v.Self, v.Name, true, v.ResourcePool, v.Host))
	}
}

func (b *snapshotBuilder) network(ref types.ManagedObjectReference, name, kind string, sum types.BaseNetworkSummary) Network {
	p, dc := b.path(ref)
	n := Network{Ref: ref, Name: name, Path: p, Datacenter: dc, Type: kind, Accessible: true}
	if sum != nil {
		n.Accessible = sum.GetNetworkSummary().Accessible
	}
	return n
}

func (b *snapshotBuilder) compute(ref types.ManagedObjectReference, name string, cluster bool, rp *types.ManagedObjectReference, hosts []types.ManagedObjectReference) ComputeResource {
	p, dc := b.path(ref)
	c := ComputeResource{Ref: ref, Name: name, Path: p, Datacenter: dc, Cluster: cluster, Hosts: hosts}
	if rp != nil {
		c.ResourcePool = *rp
	}
	return c
}

func (b *snapshotBuilder) host(v mo.HostSystem) Host {
	p, dc := b.path(v.Self)
	h := Host{Ref: v.Self, Name: v.Name, Path: p, Datacenter: dc,
		ConnectionState: string(v.Runtime.ConnectionState), InMaintenance: v.Runtime.InMaintenanceMode,
		PowerState: string(v.Runtime.PowerState), DatastoreRefs: v.Datastore, NetworkRefs: v.Network}
	if hw := v.Summary.Hardware; hw != nil {
		h.CPUCores, h.CPUThreads, h.CPUMhz, h.MemoryBytes = hw.NumCpuCores, hw.NumCpuThreads, hw.CpuMhz, hw.MemorySize
	}
	h.CPUUsageMhz, h.MemoryUsageMB, h.Uptime = v.Summary.QuickStats.OverallCpuUsage, v.Summary.QuickStats.OverallMemoryUsage, v.Summary.QuickStats.Uptime
	if pr := v.Summary.Config.Product; pr != nil {
		h.ProductName, h.ProductVersion, h.ProductBuild = pr.FullName, pr.Version, pr.Build
	}
	if v.Parent != nil {
		h.ComputeResource = *v.Parent
		if e, ok := b.entities[*v.Parent]; ok && v.Parent.Type == "ClusterComputeResource" {
			h.Cluster = e.name
		}
	}
	return h
}

func (b *snapshotBuilder) vm(v mo.VirtualMachine) VM {
	p, dc := b.path(v.Self)
	vm := VM{Ref: v.Self, Name: v.Name, Path: p, Datacenter: dc,
		PowerState: string(v.Runtime.PowerState), Connection: string(v.Runtime.ConnectionState),
		HasSnapshots: v.Snapshot != nil && len(v.Snapshot.RootSnapshotList) > 0,
		Snapshots:    v.Snapshot,
		ExtraConfig:  map[string]string{}}
	if v.Parent != nil {
		vm.Folder, _ = b.path(*v.Parent)
	}
	if v.ResourcePool != nil {
		vm.ResourcePool = *v.ResourcePool
	}
	if v.Runtime.Host != nil {
		vm.HostRef = *v.Runtime.Host
		vm.Host = b.name(*v.Runtime.Host)
	}
	for _, ds := range v.Datastore {
		vm.Datastores = append(vm.Datastores, b.name(ds))
	}
	for _, n := range v.Network {
		vm.Networks = append(vm.Networks, b.name(n))
	}
	if c := v.Config; c != nil {
		vm.UUID, vm.BIOSUUID, vm.Template = c.InstanceUuid, c.Uuid, c.Template
		vm.GuestID, vm.GuestFullName, vm.Firmware, vm.HWVersion = c.GuestId, c.GuestFullName, c.Firmware, c.Version
		vm.Annotation, vm.VMXPath = c.Annotation, c.Files.VmPathName
		vm.CPUs, vm.MemoryMB = c.Hardware.NumCPU, c.Hardware.MemoryMB
		vm.CoresPerSocket = 1
		if c.Hardware.NumCoresPerSocket != nil && *c.Hardware.NumCoresPerSocket > 0 {
			vm.CoresPerSocket = *c.Hardware.NumCoresPerSocket
		}
		vm.Devices = c.Hardware.Device
		vm.CPUHotAdd = c.CpuHotAddEnabled != nil && *c.CpuHotAddEnabled
		vm.MemoryHotAdd = c.MemoryHotAddEnabled != nil && *c.MemoryHotAddEnabled
		vm.NestedHV = c.NestedHVEnabled != nil && *c.NestedHVEnabled
		vm.SecureBoot = c.BootOptions != nil && c.BootOptions.EfiSecureBootEnabled != nil && *c.BootOptions.EfiSecureBootEnabled
		for _, o := range c.ExtraConfig {
			ov := o.GetOptionValue()
			if s, ok := ov.Value.(string); ok {
				vm.ExtraConfig[ov.Key] = s
			}
		}
	}
	if g := v.Guest; g != nil {
		vm.PrimaryIP, vm.ToolsRunning, vm.ToolsStatus = g.IpAddress, g.ToolsRunningStatus, string(g.ToolsStatus)
		seen := map[string]bool{}
		for _, n := range g.Net {
			for _, ip := range n.IpAddress {
				if !seen[ip] {
					seen[ip] = true
					vm.IPAddresses = append(vm.IPAddresses, ip)
				}
			}
		}
		if vm.PrimaryIP != "" && !seen[vm.PrimaryIP] {
			vm.IPAddresses = append([]string{vm.PrimaryIP}, vm.IPAddresses...)
		}
	}
	return vm
}
