package vm

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/vmware/govmomi/vim25/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/esxi"
)

// PCIDevice is one declared PCI passthrough device: either HostID, the
// host's PCI address of one device (DirectPath I/O, e.g. "0000:3b:00.0"),
// or VendorID and DeviceID, any device of that model the host has enabled
// for passthrough (dynamic DirectPath I/O). Its identity is what it names:
// an entry names the VM's passthrough device with the same host id, or
// the same vendor and device id.
type PCIDevice struct {
	HostID   string
	VendorID uint16
	DeviceID uint16
}

// PCIDeviceState is one passthrough device of the VM as read.
type PCIDeviceState struct {
	Key   int32
	Label string
	// Dynamic is set for a dynamic DirectPath device (VendorID, DeviceID);
	// a static one has HostID (and the vendor and device of that device).
	Dynamic  bool
	HostID   string
	VendorID uint16
	DeviceID uint16
}

func (d PCIDevice) dynamic() bool { return d.HostID == "" }

func (d PCIDevice) String() string {
	if d.dynamic() {
		return fmt.Sprintf("vendor_id %s, device_id %s", HexID(d.VendorID), HexID(d.DeviceID))
	}
	return "host_id " + d.HostID
}

// names reports whether the entry names the device.
func (d PCIDevice) names(st PCIDeviceState) bool {
	if d.dynamic() {
		return st.Dynamic && st.VendorID == d.VendorID && st.DeviceID == d.DeviceID
	}
	return !st.Dynamic && strings.EqualFold(st.HostID, d.HostID)
}

// HexID renders a PCI vendor or device id as the schema shows it.
func HexID(v uint16) string { return fmt.Sprintf("0x%04x", v) }

// ParseHexID reads a PCI vendor or device id written as hex, with or
// without 0x ("0x10de", "10DE").
func ParseHexID(s string) (uint16, error) {
	n, err := strconv.ParseUint(strings.TrimPrefix(strings.ToLower(strings.TrimSpace(s)), "0x"), 16, 16)
	if err != nil {
		return 0, fmt.Errorf("%q is not a PCI id: write 4 hex digits, such as 0x10de", s)
	}
	return uint16(n), nil
}

// pciAddress is a host PCI address, domain:bus:slot.function.
var pciAddress = regexp.MustCompile(`^[0-9a-fA-F]{4}:[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7]$`)

// validatePCI checks the entries without the host: each names one thing,
// in a form the host uses, and no static device twice.
func validatePCI(devs []PCIDevice) []error {
	var errs []error
	seen := map[string]int{}
	for i, d := range devs {
		switch {
		case d.HostID != "" && (d.VendorID != 0 || d.DeviceID != 0):
			errs = append(errs, listErr("pci_devices", i, "host_id", "Conflicting PCI Device Identities",
				"set either host_id (one device of the host) or vendor_id and device_id (any device of that model), not both."))
		case d.HostID != "" && !pciAddress.MatchString(d.HostID):
			errs = append(errs, listErr("pci_devices", i, "host_id", "Invalid PCI Address",
				"host_id is %q; write the host's PCI address as domain:bus:slot.function, e.g. 0000:3b:00.0 (the host's Hardware > PCI Devices page shows it).", d.HostID))
		case d.HostID == "" && (d.VendorID == 0 || d.DeviceID == 0):
			errs = append(errs, listErr("pci_devices", i, "", "Incomplete PCI Device",
				"set host_id, or both vendor_id and device_id."))
		}
		if d.HostID != "" {
			k := strings.ToLower(d.HostID)
			if j, ok := seen[k]; ok {
				errs = append(errs, listErr("pci_devices", i, "host_id", "Duplicate PCI Device",
					"pci_devices[%d] already passes through %s; a device can be given to a VM once.", j, d.HostID))
			}
			seen[k] = i
		}
	}
	return errs
}

// passthroughs are the VM's PCI passthrough devices.
func passthroughs(devs []types.BaseVirtualDevice) []*types.VirtualPCIPassthrough {
	var out []*types.VirtualPCIPassthrough
	for _, d := range devs {
		if p, ok := d.(*types.VirtualPCIPassthrough); ok {
			out = append(out, p)
		}
	}
	return out
}

func pciStateOf(p *types.VirtualPCIPassthrough) PCIDeviceState {
	st := PCIDeviceState{Key: p.Key}
	if p.DeviceInfo != nil {
		st.Label = p.DeviceInfo.GetDescription().Label
	}
	switch b := p.Backing.(type) {
	case *types.VirtualPCIPassthroughDeviceBackingInfo:
		st.HostID, st.VendorID = b.Id, uint16(b.VendorId) //nolint:gosec // G115: the API's int16 carries an unsigned id.
		if n, err := strconv.ParseUint(strings.TrimPrefix(strings.ToLower(b.DeviceId), "0x"), 16, 16); err == nil {
			st.DeviceID = uint16(n)
		}
	case *types.VirtualPCIPassthroughDynamicBackingInfo:
		st.Dynamic = true
		if len(b.AllowedDevice) > 0 {
			st.VendorID, st.DeviceID = uint16(b.AllowedDevice[0].VendorId), uint16(b.AllowedDevice[0].DeviceId) //nolint:gosec // G115: ids are 16-bit.
		}
	}
	return st
}

// planPCI adds the passthrough devices no device of the VM matches and
// removes the devices no entry names, after checking that the host has
// each new device enabled for passthrough. Neither can happen while the VM
// runs: passthrough devices cannot be hot-plugged. A VM left with
// passthrough devices gets all its memory reserved.
func (pl *planner) planPCI(p *plan) []error {
	have := passthroughs(pl.v.devices)
	used := make([]bool, len(have))
	var add []int
	for i, d := range pl.s.PCIDevices {
		found := false
		for j, h := range have {
			if !used[j] && d.names(pciStateOf(h)) {
				used[j], found = true, true
				break
			}
		}
		if !found {
			add = append(add, i)
		}
	}
	on := pl.poweredOn()
	var errs []error
	if len(add) > 0 {
		if pl.hostPCI == nil {
			return []error{errors.New("vm: planning a passthrough device without the host's PCI devices")}
		}
		hp, err := pl.hostPCI()
		if err != nil {
			return []error{err}
		}
		for _, i := range add {
			b, err := hp.backing(i, pl.s.PCIDevices[i])
			if err != nil {
				errs = append(errs, err)
				continue
			}
			p.spec.DeviceChange = append(p.spec.DeviceChange, &types.VirtualDeviceConfigSpec{
				Operation: types.VirtualDeviceConfigSpecOperationAdd,
				Device:    &types.VirtualPCIPassthrough{VirtualDevice: types.VirtualDevice{Key: p.key(), Backing: b}}})
			p.changed(fmt.Sprintf("pci_devices[%d]", i), on)
		}
	}
	for j, h := range have {
		if !used[j] {
			p.spec.DeviceChange = append(p.spec.DeviceChange, &types.VirtualDeviceConfigSpec{
				Operation: types.VirtualDeviceConfigSpecOperationRemove, Device: h})
			p.changed("pci_devices (remove "+pciStateOf(h).describe()+")", on)
		}
	}
	return errs
}

func (st PCIDeviceState) describe() string {
	if st.Dynamic {
		return fmt.Sprintf("vendor_id %s, device_id %s", HexID(st.VendorID), HexID(st.DeviceID))
	}
	return "host_id " + st.HostID
}

// planMemoryLock sets memoryReservationLockedToMax as the spec asks, and
// on any VM that keeps passthrough devices: the host powers such a VM on
// only with all its memory reserved.
func (pl *planner) planMemoryLock(p *plan) []error {
	s, cur := pl.s, pl.v.vm
	want := s.MemoryReservationLocked
	passthrough := len(passthroughs(pl.v.devices)) > 0
	if s.PCIDevices != nil {
		passthrough = len(s.PCIDevices) > 0
	}
	if passthrough {
		if want != nil && !*want {
			return []error{errLockNeeded()}
		}
		t := true
		want = &t
	}
	if want != nil && *want != cur.MemoryLocked {
		p.spec.MemoryReservationLockedToMax = types.NewBool(*want)
		if !*want {
			// The lock kept the reservation at the memory size; unlocking
			// leaves no reservation, as a VM without the lock has by default.
			p.spec.MemoryAllocation = &types.ResourceAllocationInfo{Reservation: types.NewInt64(0)}
		}
		p.changed("memory_reservation_locked_to_max", false)
	}
	return nil
}

// validatePassthrough checks the passthrough entries and their memory
// reservation without the host.
func validatePassthrough(s *Spec) []error {
	errs := validatePCI(s.PCIDevices)
	if len(s.PCIDevices) > 0 && s.MemoryReservationLocked != nil && !*s.MemoryReservationLocked {
		errs = append(errs, errLockNeeded())
	}
	return errs
}

func errLockNeeded() *FieldError {
	return fieldErr("memory_reservation_locked_to_max", "Passthrough Needs Reserved Memory",
		"a VM with PCI passthrough devices (pci_devices) must have all its memory reserved: the device reads and writes guest memory directly, "+
			"and the host refuses to power the VM on otherwise. Remove memory_reservation_locked_to_max = false, or remove the pci_devices.")
}

// planPassthrough plans the passthrough devices, the virtual TPM and the
// memory reservation they need.
func (pl *planner) planPassthrough(p *plan) []error {
	var errs []error
	if pl.s.PCIDevices != nil {
		errs = append(errs, pl.planPCI(p)...)
	}
	if pl.s.VTPM != nil {
		errs = append(errs, pl.planVTPM(p)...)
	}
	return append(errs, pl.planMemoryLock(p)...)
}

// planCreatePassthrough is PlanCreate's check of the passthrough devices
// and the virtual TPM: the placement's host has the devices enabled for
// passthrough; a virtual TPM has vCenter, EFI firmware and a key provider.
func (m *Manager) planCreatePassthrough(ctx context.Context, s *Spec, tmpl *esxi.VM, pl *placement) error {
	if err := m.checkPCIHosts(ctx, s, pl); err != nil {
		return err
	}
	if s.VTPM == nil || !*s.VTPM {
		return nil
	}
	firmware := "bios"
	if tmpl != nil {
		firmware = orDefault(tmpl.Firmware, firmware)
	}
	if err := checkVTPM(m.vcenter(), orDefault(s.Firmware, firmware)); err != nil {
		return err
	}
	return m.keyProviderCheck(m.pooled(ctx))()
}

// passthroughState reports the passthrough devices, the virtual TPM and
// the memory reservation.
func passthroughState(v *esxi.VM, st *VMState) {
	for _, p := range passthroughs(v.Devices) {
		st.PCIDevices = append(st.PCIDevices, pciStateOf(p))
	}
	st.VTPM = len(vtpms(v.Devices)) > 0
	st.MemoryReservationLocked, st.MemoryReservationMB = v.MemoryLocked, v.MemoryReservedMB
}

// ColdDeviceNote says why changes to passthrough devices or the virtual
// TPM need the VM off, or "" when changes has none.
func ColdDeviceNote(changes []string) string {
	for _, c := range changes {
		if strings.HasPrefix(c, "pci_devices") || c == "vtpm" {
			return "PCI passthrough devices and a virtual TPM cannot be added to or removed from a running VM"
		}
	}
	return ""
}

// Names reports whether the entry names the device (for the glue, which
// keeps each entry's spelling in the state).
func Names(d PCIDevice, st PCIDeviceState) bool { return d.names(st) }
