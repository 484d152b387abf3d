package vm

import (
	"errors"
	"net"
	"slices"
	"strings"

	"github.com/vmware/govmomi/object"

	"github.com/esxi-commander/terraform-provider-ceso/internal/cloudinit"
)

// MaxNameLength is the longest VM name vSphere accepts.
const MaxNameLength = 80

// Validate checks a spec without touching the host, so the glue can call it
// from ValidateConfig/ModifyPlan. Every problem is a *FieldError; several
// are joined (see FieldErrors).
func Validate(s *Spec) error {
	var errs []error
	add := func(e *FieldError) { errs = append(errs, e) }

	switch {
	case strings.TrimSpace(s.Name) == "":
		add(fieldErr("name", "Missing VM name", "name must not be empty."))
	case len(s.Name) > MaxNameLength:
		add(fieldErr("name", "VM name too long", "name has %d characters; vSphere accepts at most %d.", len(s.Name), MaxNameLength))
	case strings.TrimSpace(s.Name) != s.Name:
		add(fieldErr("name", "Invalid VM name", "name %q starts or ends with a space.", s.Name))
	}
	if s.Template != "" && s.Backup != "" {
		add(fieldErr("backup", "Conflicting sources", "set either template or backup, not both."))
	}
	if s.LinkedClone && s.Template == "" {
		add(fieldErr("linked_clone", "Linked clone needs a template", "linked_clone only applies to a VM created from a template."))
	}
	if s.CloneSnapshot != "" && !s.LinkedClone {
		add(fieldErr("clone_snapshot", "Snapshot without linked clone", "clone_snapshot only applies with linked_clone = true."))
	}
	if s.Firmware != "" && s.Firmware != "bios" && s.Firmware != "efi" {
		add(fieldErr("firmware", "Invalid firmware", "firmware is %q; use bios or efi.", s.Firmware))
	}
	if s.HardwareVersion != 0 && (s.HardwareVersion < 4 || s.HardwareVersion > 99) {
		add(fieldErr("hardware_version", "Invalid hardware version", "hardware_version is %d; use the number of a vmx-NN version such as 19 or 21.", s.HardwareVersion))
	}
	if s.CPUs < 0 || s.CPUs > 768 {
		add(fieldErr("cpus", "Invalid CPU count", "cpus is %d; use 1 to 768.", s.CPUs))
	}
	if s.CoresPerSocket < 0 {
		add(fieldErr("cores_per_socket", "Invalid cores per socket", "cores_per_socket is %d; it must be positive.", s.CoresPerSocket))
	} else if s.CoresPerSocket > 0 && s.CPUs > 0 && s.CPUs%s.CoresPerSocket != 0 {
		add(fieldErr("cores_per_socket", "Invalid cores per socket", "cpus (%d) must be a multiple of cores_per_socket (%d).", s.CPUs, s.CoresPerSocket))
	}
	if s.MemoryMB < 0 || s.MemoryMB%4 != 0 {
		add(fieldErr("memory_mb", "Invalid memory size", "memory_mb is %d; it must be a positive multiple of 4.", s.MemoryMB))
	}
	if s.SCSIType != "" && !slices.Contains(scsiTypes, s.SCSIType) {
		add(fieldErr("scsi_type", "Invalid SCSI controller type", "scsi_type is %q; use one of %s.", s.SCSIType, strings.Join(scsiTypes, ", ")))
	}
	seen := map[slot]int{}
	attached := map[string]int{}
	for i, d := range s.Disks {
		if d.Attach && d.Path != "" {
			for p, j := range attached {
				if SamePath(p, d.Path) {
					add(listErr("disk", i, "path", "Disk Attached Twice", "disk %d and disk %d both attach %s; a disk is attached once.", j, i, d.Path))
				}
			}
			attached[d.Path] = i
		}
		if d.SizeGiB < 0 {
			add(listErr("disk", i, "size_gb", "Invalid disk size", "size_gb is %d; it must be positive.", d.SizeGiB))
		}
		if d.Attach || d.Path != "" {
			for _, e := range attachErrs(i, d) {
				add(e)
			}
		}
		if d.SizeGiB == 0 && s.Template == "" && s.Backup == "" && !d.Attach {
			add(listErr("disk", i, "size_gb", "Missing disk size", "size_gb must be set for a disk of a VM not created from a template or a backup."))
		}
		if d.Provisioning != "" && d.Provisioning != ProvisionThin && d.Provisioning != ProvisionThick && d.Provisioning != ProvisionEagerZeroed {
			add(listErr("disk", i, "provisioning", "Invalid provisioning", "provisioning is %q; use thin, thick or eager_zeroed.", d.Provisioning))
		}
		fam := d.Controller
		if fam == "" {
			fam = ControllerSCSI
		}
		f, ok := families[fam]
		if !ok {
			add(listErr("disk", i, "controller_type", "Invalid controller type", "controller_type is %q; use scsi, sata, nvme or ide.", d.Controller))
			continue
		}
		if d.UnitNumber >= 0 {
			sl := slot{family: fam, bus: max(d.Bus, 0), unit: d.UnitNumber}
			switch {
			case sl.bus >= f.maxBuses:
				add(listErr("disk", i, "bus_number", "Invalid bus number", "bus_number %d is beyond the %d %s controllers a VM can have; use 0 to %d.", d.Bus, f.maxBuses, fam, f.maxBuses-1))
			case sl.unit >= f.maxUnits:
				add(listErr("disk", i, "unit_number", "Invalid unit number", "unit_number %d is beyond the units of a %s controller; use 0 to %d (SCSI units above 15 need PVSCSI and hardware version 14 or later).",
					d.UnitNumber, fam, f.maxUnits-1))
			case sl.unit == f.reserved:
				add(listErr("disk", i, "unit_number", "Reserved unit number", "unit %d of each SCSI bus is the controller's own; it cannot hold a disk.", f.reserved))
			default:
				if j, dup := seen[sl]; dup {
					add(listErr("disk", i, "unit_number", "Duplicate unit number", "disk %d and disk %d both use %s bus %d unit %d.", j, i, fam, sl.bus, sl.unit))
				}
				seen[sl] = i
			}
		}
	}
	for i, n := range s.NICs {
		if strings.TrimSpace(n.Network) == "" {
			add(listErr("network_interface", i, "network", "Missing network", "network must name a port group, e.g. \"VM Network\"."))
		}
		if n.AdapterType != "" && !slices.Contains(adapterTypes, n.AdapterType) {
			add(listErr("network_interface", i, "adapter_type", "Invalid adapter type", "adapter_type is %q; use one of %s.", n.AdapterType, strings.Join(adapterTypes, ", ")))
		}
		if n.MAC != "" { // whether it names an adapter or is a new static one is decided against the VM (matchNICs)
			if err := validVMwareMAC(n.MAC); err != nil {
				add(listErr("network_interface", i, "mac_address", "Invalid MAC address", "%v", err))
			}
		}
	}
	errs = append(errs, validatePassthrough(s)...)
	if s.CDROM != nil && s.CDROM.ISO != "" {
		var p object.DatastorePath
		if !p.FromString(s.CDROM.ISO) || p.Path == "" {
			add(fieldErr("cdrom", "Invalid ISO path", "%q is not a datastore path; write it as \"[datastore] folder/image.iso\".", s.CDROM.ISO))
		}
	}
	for k, v := range s.GuestInfo {
		switch {
		case !strings.HasPrefix(k, "guestinfo.") || k == "guestinfo.":
			add(fieldErr("guestinfo", "Invalid guestinfo key", "key %q must start with \"guestinfo.\" (as the guest reads it, e.g. guestinfo.userdata).", k))
		case v == "":
			add(fieldErr("guestinfo", "Empty guestinfo value", "key %q has an empty value, which VMware treats as removing the key; drop the key from the map instead.", k))
		case len(v) > cloudinit.MaxGuestInfoValueBytes:
			add(fieldErr("guestinfo", "Guestinfo value too large", "key %q holds %d bytes; ceso writes at most %d per key (put large payloads on a disk or behind a URL).", k, len(v), cloudinit.MaxGuestInfoValueBytes))
		}
	}
	for k, v := range s.ExtraConfig {
		lk := strings.ToLower(k)
		switch {
		case strings.TrimSpace(k) == "" || strings.ContainsAny(k, " =\"\n"):
			add(fieldErr("extra_config", "Invalid extra config key", "key %q is not a valid VMX key.", k))
		case strings.HasPrefix(lk, "guestinfo."):
			add(fieldErr("extra_config", "Guestinfo key in extra_config", "key %q belongs in the guestinfo map.", k))
		case strings.HasPrefix(lk, "ceso."):
			add(fieldErr("extra_config", "Reserved extra config key", "keys starting with \"ceso.\" are ceso's own markers (%q).", k))
		case v == "":
			add(fieldErr("extra_config", "Empty extra config value", "key %q has an empty value, which VMware treats as removing the key; drop the key from the map instead.", k))
		}
	}
	switch s.Power {
	case "", PowerOn, PowerOff, PowerSuspended:
	default:
		add(fieldErr("power_state", "Invalid power state", "power_state is %q; use on, off or suspended.", s.Power))
	}
	if s.WaitForIP < 0 {
		add(fieldErr("wait_for_ip", "Invalid timeout", "wait_for_ip must be a positive duration."))
	} else if s.WaitForIP > 0 && s.Power != "" && s.Power != PowerOn {
		add(fieldErr("wait_for_ip", "Cannot wait for an IP", "wait_for_ip needs power_state = \"on\"; the VM is to be %s.", s.Power))
	}
	return errors.Join(errs...)
}

// validStaticMAC accepts VMware's static range 00:50:56:00:00:00 to
// 00:50:56:3f:ff:ff, the only one a host accepts for a manual address.
func validStaticMAC(mac string) error {
	hw, err := net.ParseMAC(mac)
	if err != nil || len(hw) != 6 {
		return errors.New("write a MAC address as 00:50:56:xx:xx:xx")
	}
	if hw[0] != 0x00 || hw[1] != 0x50 || hw[2] != 0x56 || hw[3] > 0x3f {
		return errors.New(mac + " is outside VMware's range for static addresses, 00:50:56:00:00:00 to 00:50:56:3f:ff:ff")
	}
	return nil
}

// vmwareOUIs are the prefixes of the addresses VMware hosts and vCenter
// generate for adapters (00:50:56 also holds the static range).
var vmwareOUIs = [][3]byte{{0x00, 0x50, 0x56}, {0x00, 0x0c, 0x29}, {0x00, 0x05, 0x69}, {0x00, 0x1c, 0x14}}

// validVMwareMAC accepts an address a VMware adapter can have: a static
// one, or one a host generated (which can only name an existing adapter).
func validVMwareMAC(mac string) error {
	hw, err := net.ParseMAC(mac)
	if err != nil || len(hw) != 6 {
		return errors.New("write a MAC address as 00:50:56:xx:xx:xx")
	}
	for _, oui := range vmwareOUIs {
		if hw[0] == oui[0] && hw[1] == oui[1] && hw[2] == oui[2] {
			return nil
		}
	}
	return errors.New(mac + " is not a VMware address: use a static address (00:50:56:00:00:00 to 00:50:56:3f:ff:ff) or the address of one of the VM's adapters")
}

func normMAC(mac string) string {
	if hw, err := net.ParseMAC(mac); err == nil {
		return hw.String()
	}
	return strings.ToLower(mac)
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
