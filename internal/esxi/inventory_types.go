package esxi

import (
	"time"

	"github.com/vmware/govmomi/vim25/types"
)

// VM is what ceso reads about one virtual machine, all from the batched read.
type VM struct {
	Ref            types.ManagedObjectReference
	Name           string
	Path           string // inventory path, e.g. /ha-datacenter/vm/web01
	Datacenter     string
	Folder         string // inventory path of the parent folder
	UUID           string // instance UUID (config.instanceUuid)
	BIOSUUID       string // config.uuid
	Template       bool
	PowerState     string // poweredOn, poweredOff, suspended
	CPUs           int32
	CoresPerSocket int32
	MemoryMB       int32
	CPUHotAdd      bool
	MemoryHotAdd   bool
	NestedHV       bool // config.nestedHVEnabled
	SecureBoot     bool // config.bootOptions.efiSecureBootEnabled
	// MemoryLocked is config.memoryReservationLockedToMax; MemoryReservedMB
	// is config.memoryAllocation.reservation.
	MemoryLocked     bool
	MemoryReservedMB int64
	GuestID          string
	GuestFullName    string
	Firmware         string
	HWVersion        string
	Annotation       string
	VMXPath          string // [datastore] folder/name.vmx
	ExtraConfig      map[string]string
	Devices          []types.BaseVirtualDevice
	IPAddresses      []string
	PrimaryIP        string
	ToolsRunning     string // guestToolsRunning, guestToolsNotRunning
	ToolsStatus      string // toolsOk, toolsNotInstalled, ...
	// Heartbeat is the guest's VMware Tools heartbeat (green, yellow, red,
	// gray when Tools never reported); only waits (Watcher) read it.
	Heartbeat    string
	HasSnapshots bool
	// Snapshots is the VM's snapshot tree as the host reports it (nil
	// without snapshots); the snapshot package flattens it.
	Snapshots    *types.VirtualMachineSnapshotInfo
	Datastores   []string // names
	Networks     []string // names
	Host         string   // host name
	ResourcePool types.ManagedObjectReference
	HostRef      types.ManagedObjectReference
}

// Host is one ESXi host.
type Host struct {
	Ref             types.ManagedObjectReference
	Name            string
	Path            string
	Datacenter      string
	Cluster         string
	ConnectionState string
	InMaintenance   bool
	PowerState      string
	CPUCores        int16
	CPUThreads      int16
	CPUMhz          int32
	CPUUsageMhz     int32
	MemoryBytes     int64
	MemoryUsageMB   int32
	ProductName     string
	ProductVersion  string
	ProductBuild    string
	Uptime          int32
	ResourcePool    types.ManagedObjectReference
	VMFolder        types.ManagedObjectReference
	DatacenterRef   types.ManagedObjectReference
	ComputeResource types.ManagedObjectReference
	DatastoreRefs   []types.ManagedObjectReference
	NetworkRefs     []types.ManagedObjectReference
}

// Datastore is one datastore.
type Datastore struct {
	Ref         types.ManagedObjectReference
	Name        string
	Path        string
	Datacenter  string
	Type        string
	URL         string
	Capacity    int64
	FreeSpace   int64
	Accessible  bool
	Maintenance string
}

// Network is one network: a standard port group, a distributed port group or an opaque network.
type Network struct {
	Ref        types.ManagedObjectReference
	Name       string
	Path       string
	Datacenter string
	Type       string // Network, DistributedVirtualPortgroup, OpaqueNetwork
	Accessible bool
}

// Datacenter is one datacenter (ESXi has exactly one, ha-datacenter).
type Datacenter struct {
	Ref             types.ManagedObjectReference
	Name            string
	Path            string
	VMFolder        types.ManagedObjectReference
	DatastoreFolder types.ManagedObjectReference
}

// Folder is one inventory folder.
type Folder struct {
	Ref        types.ManagedObjectReference
	Name       string
	Path       string
	Datacenter string
	ChildType  []string
	StoragePod bool // a datastore cluster (its children are datastores)
}

// ResourcePool is one resource pool.
type ResourcePool struct {
	Ref        types.ManagedObjectReference
	Name       string
	Path       string
	Datacenter string
	Owner      types.ManagedObjectReference
	VApp       bool // a vApp (a resource pool that also holds VMs)
}

// ComputeResource is a standalone host's compute resource or a cluster.
type ComputeResource struct {
	Ref          types.ManagedObjectReference
	Name         string
	Path         string
	Datacenter   string
	Cluster      bool
	ResourcePool types.ManagedObjectReference
	Hosts        []types.ManagedObjectReference
}

// Snapshot is one consistent read of the whole inventory.
type Snapshot struct {
	Fetched          time.Time
	VMs              []VM
	Hosts            []Host
	Datastores       []Datastore
	Networks         []Network
	Datacenters      []Datacenter
	Folders          []Folder
	ResourcePools    []ResourcePool
	ComputeResources []ComputeResource

	// entities are the names and parents the paths above were built from,
	// so a VM read on its own (ReadObjects) gets its path and names the same way.
	entities map[types.ManagedObjectReference]entity
}

// VMByUUID returns the VM with the given instance or BIOS UUID.
func (s *Snapshot) VMByUUID(uuid string) (VM, bool) {
	for _, vm := range s.VMs {
		if vm.UUID == uuid || vm.BIOSUUID == uuid {
			return vm, true
		}
	}
	return VM{}, false
}

// VMByRef returns the VM with the given managed object reference value.
func (s *Snapshot) VMByRef(moid string) (VM, bool) {
	for _, vm := range s.VMs {
		if vm.Ref.Value == moid {
			return vm, true
		}
	}
	return VM{}, false
}
