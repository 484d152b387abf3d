package vm

import (
	"context"
	"time"

	"github.com/esxi-commander/terraform-provider-ceso/internal/esxi"
)

// Power states as ceso's schema words them.
const (
	PowerOn        = "on"
	PowerOff       = "off"
	PowerSuspended = "suspended"
)

// Disk controller families (Disk.Controller).
const (
	ControllerSCSI = esxi.ControllerSCSI
	ControllerSATA = esxi.ControllerSATA
	ControllerNVMe = esxi.ControllerNVMe
	ControllerIDE  = esxi.ControllerIDE
)

// Disk provisioning (Disk.Provisioning).
const (
	ProvisionThin        = esxi.ProvisionThin
	ProvisionThick       = esxi.ProvisionThick
	ProvisionEagerZeroed = esxi.ProvisionEagerZeroed
)

// Spec is the desired state of one VM: what the resource's configuration
// says. Zero values mean "not set": the source's value (template) or a
// default (empty VM) on create, and "leave as it is" on update, unless a
// field says otherwise.
type Spec struct {
	Name string
	// Replaces is the instance UUID of the VM this create replaces (a
	// Terraform replacement): PlanCreate's name check ignores that VM, which
	// is deleted before the create runs.
	Replaces string

	// Source: at most one of Template and Backup; neither means an empty VM.
	Template string // name, instance/BIOS UUID, or inventory path of the source VM
	// LinkedClone makes a vCenter clone share the source's disks through a
	// snapshot (CloneSnapshot, or the source's current snapshot). Refused on
	// a standalone host.
	LinkedClone   bool
	CloneSnapshot string
	// Backup is the id, folder or manifest path of a complete ceso_backup
	// to restore from: the new VM gets the backup's hardware (from its
	// manifest) and copies of its disks, with a new identity (UUIDs, MAC
	// addresses). Name, placement, NICs and disks of the spec apply as they
	// do to a template copy. An existing VM is never restored over.
	Backup string

	// Placement. Datastore defaults to the template's datastore, or to the
	// host's only datastore. Folder is an inventory path or a path relative
	// to the datacenter's VM folder. Datacenter, Cluster, ResourcePool and
	// Host matter on vCenter; on a standalone host only Host (its one host)
	// is accepted.
	Datastore    string
	Folder       string
	Datacenter   string
	Cluster      string
	ResourcePool string
	Host         string

	// Hardware.
	GuestID         string // e.g. ubuntu64Guest; default otherGuest64 for an empty VM
	Firmware        string // bios or efi
	HardwareVersion int    // e.g. 19 (vmx-19); 0 = the host's default
	CPUs            int32
	CoresPerSocket  int32
	MemoryMB        int64
	CPUHotAdd       *bool
	MemoryHotAdd    *bool
	// Options; nil leaves each as it is.
	NestedHV       *bool   // expose hardware virtualisation to the guest
	SecureBoot     *bool   // EFI Secure Boot (firmware efi only)
	Notes          *string // the VM's annotation; "" cannot be set (the API keeps the old notes)
	DiskEnableUUID *bool   // disk.EnableUUID: the guest sees stable disk serial numbers
	// SCSIType is the type of SCSI controllers ceso adds: pvscsi (default),
	// lsilogic, lsilogic-sas or buslogic. Existing controllers are kept.
	SCSIType string

	// Disks is the complete list of the VM's disks when not nil: a disk of
	// the VM that no entry names is removed (its files deleted unless it was
	// declared with KeepOnRemove). nil leaves the disks as they are (and
	// copies a template's disks unchanged). A disk is named by its slot
	// (Controller, Bus, UnitNumber); entries with UnitNumber < 0 are matched
	// to the VM's disks that no entry names, in slot order, as long as that
	// removes nothing (see matchDisks): a removal must name the disks kept.
	Disks []Disk
	// NICs is the complete list of network interfaces when not nil. An
	// entry whose MAC is an adapter's address names that adapter; the others
	// are matched in order to the adapters no entry names, as long as that
	// removes nothing (see matchNICs). nil leaves them as they are (and
	// keeps a template's adapters).
	NICs []NIC
	// CDROM nil leaves the CD-ROM drive as it is; ISO "" removes it; an ISO
	// path ("[datastore] iso/x.iso") inserts that image, adding a drive on
	// the IDE controller if the VM has none.
	CDROM *CDROM
	// PCIDevices is the complete list of PCI passthrough devices when not
	// nil: a passthrough device of the VM that no entry names is removed
	// (see pci.go). nil leaves them as they are.
	PCIDevices []PCIDevice
	// VTPM nil leaves the virtual TPM as it is; true adds one (vCenter with
	// a default key provider, EFI firmware), false removes it.
	VTPM *bool
	// MemoryReservationLocked nil leaves memoryReservationLockedToMax as it
	// is, except that a VM with passthrough devices gets it set (their
	// memory must be fully reserved); false with passthrough devices is
	// refused.
	MemoryReservationLocked *bool

	// GuestInfo keys must start with "guestinfo." (as ceso_cloudinit
	// renders them); ExtraConfig keys must not (and must not start with
	// "ceso."). ceso records which keys it set, removes the ones dropped
	// from the map later, and reads back only those, so keys the guest or
	// other tools write cause no drift.
	GuestInfo   map[string]string
	ExtraConfig map[string]string

	// Power is the desired power state: PowerOn (the default), PowerOff or
	// PowerSuspended.
	Power string
	// WaitForIP, when positive, waits after powering on until the guest
	// reports an IP address (not loopback, not link-local), at most this long.
	WaitForIP time.Duration
}

// Disk is one declared virtual disk.
type Disk struct {
	SizeGiB int64
	// Provisioning is thin, thick or eager_zeroed; "" keeps a template
	// disk's and makes a new disk thin. It cannot change in place.
	Provisioning string
	// Controller is scsi (default), sata, nvme or ide.
	Controller string
	// UnitNumber is the disk's unit on its controller: 0 to 15 on SCSI
	// (unit 7 is the controller's own), 0 to 63 on a PVSCSI controller of
	// hardware version 14 or later, 0 to 29 on SATA, 0 to 14 on NVMe, 0 or 1
	// on IDE. < 0 picks the disk no other entry names, or the next free unit
	// for a new disk (see Spec.Disks).
	UnitNumber int32
	// Bus is the controller's bus number (0 to 3; IDE 0 or 1). < 0 means
	// not given: bus 0, after a check that the entry does not use a unit
	// number of schema version 0, which counted across buses (scsi 17 was
	// bus 1 unit 1).
	Bus int32
	// Datastore defaults to the VM's. It cannot change in place.
	Datastore string
	// KeepOnRemove detaches the disk instead of deleting it when it is
	// removed from the list or the VM is deleted; ceso then moves its files
	// out of the VM's folder into "<vm folder>-kept" on the same datastore.
	KeepOnRemove bool
	// Attach attaches the existing disk at Path ("[datastore]
	// folder/name.vmdk") instead of making one; its size and provisioning
	// are the disk's own (SizeGiB, Provisioning and Datastore stay unset).
	// Its identity is its path. A disk outside the VM's folder is never
	// deleted: removing its entry or deleting the VM detaches it.
	Attach bool
	Path   string
	// Arriving says, at plan time only, that the disk at Path is made by
	// the same apply before this VM changes (a ceso_virtual_disk): the
	// plan does not look for it. The apply always does.
	Arriving bool
}

// NIC is one declared network interface.
type NIC struct {
	Network string // name or inventory path
	// AdapterType is vmxnet3 (default), e1000e or e1000. Changing it
	// replaces the adapter (and its generated MAC).
	AdapterType string
	// MAC names the adapter that has this address. An address in VMware's
	// static range (00:50:56:00:00:00-00:50:56:3f:ff:ff) that no adapter has
	// yet is set as the adapter's static address; any other address must
	// be one the VM's adapters have. "" lets the host generate one.
	MAC string
	// Disconnected adds the adapter unplugged (not connected, not at
	// power-on, and the guest cannot connect it). Only a new adapter honours
	// it; restore drills use it, the ceso_vm schema does not offer it.
	Disconnected bool
}

// CDROM is the declared CD-ROM drive.
type CDROM struct {
	ISO string // "[datastore] path/to/image.iso"; "" = no drive
}

// Options carry the caller's policy decisions for one write.
type Options struct {
	// AllowPowerCycle lets an update power the VM off and on again for a
	// change that cannot be made while it runs (CPU or memory without
	// hot-add, a lower count, cores per socket, guest id). Without it such
	// an update fails with a *PowerCycleNeededError before changing anything.
	AllowPowerCycle bool
	// AllowForcedPowerOff lets a power-off fall back to a hard power-off
	// when the guest cannot be shut down through VMware Tools within
	// ShutdownTimeout (or Tools do not run). Without it the operation fails
	// with an error matching ErrForcedPowerOffNeeded. Delete always powers
	// off hard: the caller decides before calling.
	AllowForcedPowerOff bool
	// ShutdownTimeout bounds a graceful guest shutdown (default 2 minutes).
	ShutdownTimeout time.Duration
	// ConfirmTakeOver, when set, is asked before Create takes over a ceso
	// VM of the same name (destroy false) or destroys an incomplete one
	// (destroy true): both change a VM this create did not make, so the
	// caller's policy decides. An error stops Create before any write.
	ConfirmTakeOver func(ctx context.Context, uuid string, destroy bool) error
	// KeepLease leaves a fresh create lease on the VM when Create is done,
	// instead of dropping it: the caller holds the VM on (HoldLease) while it
	// uses it and deletes it afterwards, and if the caller dies the VM is a
	// leftover whose lease runs out (RemoveExpired). Restore drills use it.
	KeepLease bool
}

// Result is what a write did, for the caller's audit record and warnings.
type Result struct {
	State *VMState // the VM after the write (nil after Delete)
	// Replaced is set when Create found an incomplete VM of an earlier
	// attempt whose lease had run out and destroyed it before starting over.
	Replaced bool
	// PowerCycled is set when the VM was powered off and on for the change.
	PowerCycled bool
	// ForcedPowerOff is set when a hard power-off was done (a destructive
	// act: the guest got no chance to shut down).
	ForcedPowerOff bool
	// KeptDisks are the datastore paths of disks detached and kept.
	KeptDisks []string
	// DeletedDisks are the datastore paths of disks deleted by an update.
	DeletedDisks []string
	// EmptyDisks describes the disks a restore made empty because the
	// backup had left them out ("Hard disk 2 (scsi:0:1, 8.0 GiB), excluded").
	EmptyDisks []string
	// DetachedDisks are the datastore paths of attached disks (outside the
	// VM's folder) detached by an update or a delete; their files stay.
	DetachedDisks []string
}

// VMState is everything the resource shows about a VM, read from the
// batched inventory.
type VMState struct {
	UUID       string // instance UUID: the resource id
	BIOSUUID   string
	MOID       string
	Name       string
	Path       string // inventory path
	Folder     string // inventory path of the parent folder
	Datacenter string
	Host       string
	Datastore  string // datastore of the .vmx
	VMXPath    string // "[datastore] folder/name.vmx"

	Power          string // on, off, suspended
	CPUs           int32
	CoresPerSocket int32
	MemoryMB       int64
	CPUHotAdd      bool
	MemoryHotAdd   bool
	NestedHV       bool
	SecureBoot     bool
	Notes          string
	DiskEnableUUID bool
	GuestID        string
	GuestFullName  string
	Firmware       string
	// HardwareVersion is the number of the vmx-NN version.
	HardwareVersion int
	// SCSIType is the type of the first SCSI controller ("" without one).
	SCSIType string

	Disks []DiskState
	NICs  []NICState
	// CDROM is the ISO of the first CD-ROM drive that has one, "" otherwise;
	// HasCDROM says whether the VM has a CD-ROM drive at all.
	CDROM    string
	HasCDROM bool
	// PCIDevices are the VM's passthrough devices, in device order.
	PCIDevices []PCIDeviceState
	// VTPM says whether the VM has a virtual TPM.
	VTPM bool
	// MemoryReservationLocked is memoryReservationLockedToMax: all the
	// VM's memory is reserved, whatever its size.
	MemoryReservationLocked bool
	// MemoryReservationMB is the VM's memory reservation.
	MemoryReservationMB int64

	IPAddresses  []string
	DefaultIP    string
	ToolsStatus  string // toolsOk, toolsNotInstalled, toolsNotRunning, toolsOld
	ToolsRunning bool

	// GuestInfo and ExtraConfig hold the current values of the keys ceso
	// manages on this VM and of the keys asked for with ReadOptions.
	GuestInfo   map[string]string
	ExtraConfig map[string]string

	IsTemplate bool
	// Managed is set when the VM carries ceso's marker; MarkerState is
	// "creating" or "ready" then, and CreateID the id of the create attempt.
	Managed     bool
	MarkerState string
	CreateID    string
	HasSnapshot bool
}

// DiskState is one virtual disk as read.
type DiskState struct {
	Label        string // "Hard disk 1"
	Key          int32
	Controller   string // scsi, sata, nvme, ide
	UnitNumber   int32  // the unit on its controller, as in Disk.UnitNumber
	Bus          int32  // the controller's bus number
	Unit         int32  // = UnitNumber
	SizeGiB      int64  // rounded up
	CapacityKB   int64
	Provisioning string // thin, thick, eager_zeroed
	Thin         bool
	Datastore    string
	Path         string // "[datastore] folder/disk.vmdk"
	KeepOnRemove bool
	// Attached is set for a disk outside the VM's folder: a disk the VM
	// uses but does not own, detached (never deleted) on removal.
	Attached bool
}

// NICState is one network adapter as read.
type NICState struct {
	Key         int32
	Network     string // network name
	AdapterType string // vmxnet3, e1000e, e1000, ...
	MAC         string
	StaticMAC   bool
	Connected   bool
}

// ReadOptions ask Read for more than the default.
type ReadOptions struct {
	// Keys are extra-config or guestinfo keys to report besides the ones
	// ceso manages on the VM (for example the keys in the resource's
	// configuration after an import).
	Keys []string
	// Folder, Datastore and Host are the configuration's spellings (a
	// folder relative to the datacenter's VM folder, a datastore or host by
	// path): VMState keeps each when it names the object the VM is in, and
	// shows the host's own name or path otherwise, so a configuration that
	// names the same object differently sees no change.
	Folder, Datastore, Host string
}
