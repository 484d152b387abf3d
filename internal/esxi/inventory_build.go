package esxi

import (
	"sort"
	"strings"
	"time"

	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

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
	snap := &Snapshot{Fetched: time.Now(), entities: b.entities}
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
		parent := v.Parent
		if parent == nil {
			parent = v.ParentVApp // a vApp's VM has no folder
		}
		b.entities[v.Self] = entity{name: v.Name, parent: parent}
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
	case mo.StoragePod: // a datastore cluster: a Folder subtype
		b.entities[v.Self] = entity{name: v.Name, parent: v.Parent}
	case mo.ResourcePool:
		b.entities[v.Self] = entity{name: v.Name, parent: v.Parent}
	case mo.VirtualApp: // a ResourcePool subtype
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
	case mo.StoragePod:
		p, dc := b.path(v.Self)
		s.Folders = append(s.Folders, Folder{Ref: v.Self, Name: v.Name, Path: p, Datacenter: dc, ChildType: v.ChildType, StoragePod: true})
	case mo.ResourcePool:
		p, dc := b.path(v.Self)
		s.ResourcePools = append(s.ResourcePools, ResourcePool{Ref: v.Self, Name: v.Name, Path: p, Datacenter: dc, Owner: v.Owner})
	case mo.VirtualApp:
		p, dc := b.path(v.Self)
		s.ResourcePools = append(s.ResourcePools, ResourcePool{Ref: v.Self, Name: v.Name, Path: p, Datacenter: dc, Owner: v.Owner, VApp: true})
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
		PowerState:   string(v.Runtime.PowerState),
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
		vm.MemoryLocked, vm.MemoryReservedMB = MemoryReservation(c)
		for _, o := range c.ExtraConfig {
			ov := o.GetOptionValue()
			if s, ok := ov.Value.(string); ok {
				vm.ExtraConfig[ov.Key] = s
			}
		}
	}
	vm.PrimaryIP, vm.IPAddresses, vm.ToolsRunning, vm.ToolsStatus = guestFacts(v.Guest)
	return vm
}

// MemoryReservation reads a VM's memoryReservationLockedToMax and memory
// reservation (MB) from its configuration.
func MemoryReservation(c *types.VirtualMachineConfigInfo) (locked bool, reservedMB int64) {
	locked = c.MemoryReservationLockedToMax != nil && *c.MemoryReservationLockedToMax
	if a := c.MemoryAllocation; a != nil && a.Reservation != nil {
		reservedMB = *a.Reservation
	}
	return locked, reservedMB
}
