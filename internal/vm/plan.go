package vm

import (
	"errors"
	"sort"
	"strconv"
	"strings"

	"github.com/vmware/govmomi/vim25/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/esxi"
)

// UpdatePlan says what an update would do, without doing it, so the glue
// can warn at plan time and pick the guard action (a forced power-off or a
// deleted disk is destructive).
type UpdatePlan struct {
	Changes []string // attribute names that change, e.g. "cpus", "disk[1].size_gb"
	// NeedsPowerOff lists the changes that need the VM powered off while it
	// runs; the update power-cycles it (AllowPowerCycle) or fails.
	NeedsPowerOff []string
	PowerChange   string // the new power state, "" if unchanged
	// DeletesDisks are the datastore paths of the disks whose files the
	// update destroys (a destructive act: the guard and the plan warning
	// take them from here). KeepsDisks are the paths of the disks it
	// detaches and keeps.
	DeletesDisks []string
	KeepsDisks   []string
	// DetachesDisks are the paths of the attached disks (outside the VM's
	// folder) it detaches: their files stay where they are.
	DetachesDisks []string
	// Disks and NICs say, for each entry of Spec.Disks and Spec.NICs, which
	// device of the VM it names, so the plan can show the values the update
	// keeps.
	Disks    []PlannedDisk
	NICs     []PlannedNIC
	NoChange bool
}

// DestroysFiles reports whether the update deletes any disk's files.
func (u *UpdatePlan) DestroysFiles() bool { return len(u.DeletesDisks) > 0 }

// PlannedDisk is the disk a Spec.Disks entry names. Existing is false for
// a disk the update adds; the other fields are then unknown.
type PlannedDisk struct {
	Existing bool
	DiskState
}

// PlannedNIC is the adapter a Spec.NICs entry names. Existing is false for
// an adapter the update adds.
type PlannedNIC struct {
	Existing bool
	NICState
}

// view is the VM as planning sees it: the inventory's VM plus devices that
// are about to be added by the same reconfigure (copied template disks).
type view struct {
	vm      *esxi.VM
	devices []types.BaseVirtualDevice
	pending map[int32]bool
}

// plan is a computed reconfigure.
type plan struct {
	spec    types.VirtualMachineConfigSpec
	changes []string
	cold    []string
	upgrade int // UpgradeVM_Task to this version first
	kept    []diskInfo
	deleted []diskInfo
	detach  []diskInfo    // attached disks removed from the VM, files kept where they are
	disks   []PlannedDisk // per Spec.Disks entry
	nics    []PlannedNIC  // per Spec.NICs entry
	nextKey int32
}

func (p *plan) key() int32 {
	p.nextKey--
	return p.nextKey
}

func (p *plan) changed(attr string, cold bool) {
	p.changes = append(p.changes, attr)
	if cold {
		p.cold = append(p.cold, attr)
	}
}

func (p *plan) empty() bool {
	return p.upgrade == 0 && len(p.spec.DeviceChange) == 0 && len(p.spec.ExtraConfig) == 0 && p.spec.Name == "" &&
		p.spec.NumCPUs == 0 && p.spec.NumCoresPerSocket == nil && p.spec.MemoryMB == 0 && p.spec.GuestId == "" &&
		p.spec.CpuHotAddEnabled == nil && p.spec.MemoryHotAddEnabled == nil && p.spec.Firmware == "" &&
		p.spec.NestedHVEnabled == nil && p.spec.BootOptions == nil && p.spec.Annotation == "" &&
		p.spec.MemoryReservationLockedToMax == nil && p.spec.MemoryAllocation == nil
}

// planner computes the reconfigure that brings a VM to a spec.
type planner struct {
	s       *Spec
	v       view
	snap    *esxi.Snapshot
	create  bool // the VM is being created (powered off, every change allowed)
	match   bool // disks without a unit number match existing disks in order
	backing func(esxi.Network) (types.BaseVirtualDeviceBackingInfo, error)
	// vcenter, hostPCI and keyProvider serve the passthrough devices and
	// the virtual TPM (see pci.go, vtpm.go); hostPCI reads the VM's host's
	// PCI devices only when a device is added.
	vcenter     bool
	hostPCI     func() (*hostPCI, error)
	keyProvider func() error
	// attach holds the existing disks the spec attaches that the VM does
	// not have yet, as checkAttach read them.
	attach map[string]attachTarget
}

func (pl *planner) poweredOn() bool {
	return !pl.create && pl.v.vm.PowerState == string(types.VirtualMachinePowerStatePoweredOn)
}

func (pl *planner) run() (*plan, error) {
	p := &plan{nextKey: -1000}
	for _, d := range pl.v.devices {
		if k := d.GetVirtualDevice().Key; k <= p.nextKey {
			p.nextKey = k - 1
		}
	}
	s, cur, on := pl.s, pl.v.vm, pl.poweredOn()
	var errs []error

	if s.Name != "" && s.Name != cur.Name {
		p.spec.Name = s.Name
		p.changed("name", false)
	}
	if s.CPUs > 0 && s.CPUs != cur.CPUs {
		p.spec.NumCPUs = s.CPUs
		p.changed("cpus", on && (!cur.CPUHotAdd || s.CPUs < cur.CPUs))
	}
	if s.CPUs > 0 && s.CoresPerSocket == 0 && cur.CoresPerSocket > 1 && s.CPUs%cur.CoresPerSocket != 0 {
		errs = append(errs, fieldErr("cores_per_socket", "Cores per socket needed",
			"the VM has %d cores per socket, which does not divide cpus = %d; set cores_per_socket to a divisor of cpus.", cur.CoresPerSocket, s.CPUs))
	}
	if s.CoresPerSocket > 0 && s.CoresPerSocket != cur.CoresPerSocket {
		p.spec.NumCoresPerSocket = types.NewInt32(s.CoresPerSocket)
		p.changed("cores_per_socket", on)
	}
	if s.MemoryMB > 0 && s.MemoryMB != int64(cur.MemoryMB) {
		p.spec.MemoryMB = s.MemoryMB
		p.changed("memory_mb", on && (!cur.MemoryHotAdd || s.MemoryMB < int64(cur.MemoryMB)))
	}
	if s.CPUHotAdd != nil && *s.CPUHotAdd != cur.CPUHotAdd {
		p.spec.CpuHotAddEnabled = types.NewBool(*s.CPUHotAdd)
		p.changed("cpu_hot_add", on)
	}
	if s.MemoryHotAdd != nil && *s.MemoryHotAdd != cur.MemoryHotAdd {
		p.spec.MemoryHotAddEnabled = types.NewBool(*s.MemoryHotAdd)
		p.changed("memory_hot_add", on)
	}
	if s.GuestID != "" && s.GuestID != cur.GuestID {
		p.spec.GuestId = s.GuestID
		p.changed("guest_id", on)
	}
	if s.Firmware != "" && s.Firmware != cur.Firmware {
		if pl.create {
			p.spec.Firmware = s.Firmware
			p.changed("firmware", false)
		} else {
			errs = append(errs, fieldErr("firmware", "Firmware cannot change in place",
				"the VM boots with %s; switching to %s would leave the installed guest unbootable, so ceso replaces the VM for this change instead.", cur.Firmware, s.Firmware))
		}
	}
	errs = append(errs, pl.planOptions(p)...)
	if s.HardwareVersion > 0 {
		have := hwVersion(cur.HWVersion)
		switch {
		case s.HardwareVersion > have:
			p.upgrade = s.HardwareVersion
			p.changed("hardware_version", on)
		case s.HardwareVersion < have:
			errs = append(errs, fieldErr("hardware_version", "Hardware version cannot go down",
				"the VM has vmx-%d; a hardware version can only be upgraded, so lowering it to %d needs a new VM.", have, s.HardwareVersion))
		}
	}

	if s.Disks != nil {
		errs = append(errs, pl.planDisks(p)...)
	}
	for k := range pl.v.pending {
		if !pl.hasDeviceChange(p, k) {
			for _, d := range pl.v.devices {
				if d.GetVirtualDevice().Key == k {
					p.spec.DeviceChange = append(p.spec.DeviceChange, &types.VirtualDeviceConfigSpec{
						Operation: types.VirtualDeviceConfigSpecOperationAdd, Device: d})
				}
			}
		}
	}
	if s.NICs != nil {
		errs = append(errs, pl.planNICs(p)...)
	}
	if s.CDROM != nil {
		errs = append(errs, pl.planCDROM(p)...)
	}
	errs = append(errs, pl.planPassthrough(p)...)
	if ec := extraConfigChanges(cur.ExtraConfig, s); len(ec) > 0 {
		p.spec.ExtraConfig = append(p.spec.ExtraConfig, ec...)
		for _, o := range ec {
			k := o.GetOptionValue().Key
			if k == KeyManagedKeys {
				continue
			}
			if strings.HasPrefix(k, "guestinfo.") {
				p.changed("guestinfo."+strings.TrimPrefix(k, "guestinfo."), false)
			} else {
				p.changed("extra_config."+k, false)
			}
		}
	}
	if len(errs) > 0 {
		return nil, joinErrs(errs)
	}
	return p, nil
}

func (pl *planner) hasDeviceChange(p *plan, key int32) bool {
	for _, c := range p.spec.DeviceChange {
		if c.GetVirtualDeviceConfigSpec().Device.GetVirtualDevice().Key == key {
			return true
		}
	}
	return false
}

func hwVersion(v string) int {
	n, _ := strconv.Atoi(strings.TrimPrefix(v, "vmx-"))
	return n
}

const gib = int64(1) << 30

// sizeGiB rounds a capacity up to whole GiB, as the schema shows it.
func sizeGiB(kb int64) int64 { return (kb*1024 + gib - 1) / gib }

// joinErrs joins errors in a stable order (field path) for messages and tests.
func joinErrs(errs []error) error {
	sort.SliceStable(errs, func(i, j int) bool {
		var fi, fj *FieldError
		return errors.As(errs[i], &fi) && errors.As(errs[j], &fj) && fi.Path() < fj.Path()
	})
	if len(errs) == 1 {
		return errs[0]
	}
	return joined(errs)
}

type joined []error

func (j joined) Error() string {
	parts := make([]string, len(j))
	for i, e := range j {
		parts[i] = e.Error()
	}
	return strings.Join(parts, "\n")
}

func (j joined) Unwrap() []error { return j }
