package vm

import (
	"strings"

	"github.com/vmware/govmomi/vim25/types"
)

// KeyDiskEnableUUID is the extra-config key that makes the guest see
// stable disk serial numbers (needed by Kubernetes CSI drivers and others
// that find disks by id).
const KeyDiskEnableUUID = "disk.EnableUUID"

func isTrue(s string) bool { return strings.EqualFold(strings.TrimSpace(s), "true") }

// planOptions plans the VM options: nested virtualisation, Secure Boot,
// notes and disk.EnableUUID. Nested HV and Secure Boot change with the VM
// powered off only; the notes and disk.EnableUUID change any time
// (disk.EnableUUID takes effect at the next power-on).
func (pl *planner) planOptions(p *plan) []error {
	s, cur, on := pl.s, pl.v.vm, pl.poweredOn()
	var errs []error
	if s.NestedHV != nil && *s.NestedHV != cur.NestedHV {
		p.spec.NestedHVEnabled = types.NewBool(*s.NestedHV)
		p.changed("nested_hv", on)
	}
	if s.SecureBoot != nil && *s.SecureBoot != cur.SecureBoot {
		firmware := cur.Firmware
		if pl.create && s.Firmware != "" {
			firmware = s.Firmware
		}
		if *s.SecureBoot && firmware != string(types.GuestOsDescriptorFirmwareTypeEfi) {
			errs = append(errs, fieldErr("efi_secure_boot", "Secure Boot Needs EFI",
				"the VM boots with %s firmware; Secure Boot is a feature of EFI. Set firmware = \"efi\" (a new VM) or leave efi_secure_boot off.", orDefault(firmware, "bios")))
		} else {
			p.spec.BootOptions = &types.VirtualMachineBootOptions{EfiSecureBootEnabled: types.NewBool(*s.SecureBoot)}
			p.changed("efi_secure_boot", on)
		}
	}
	if s.Notes != nil && *s.Notes != cur.Annotation {
		if *s.Notes == "" {
			errs = append(errs, fieldErr("notes", "Cannot Clear Notes",
				"the API keeps a VM's notes when asked to set them empty, so they would stay %q. Set different, non-empty notes instead.", cur.Annotation))
		} else {
			p.spec.Annotation = *s.Notes
			p.changed("notes", false)
		}
	}
	if s.DiskEnableUUID != nil && *s.DiskEnableUUID != isTrue(cur.ExtraConfig[KeyDiskEnableUUID]) {
		v := "FALSE"
		if *s.DiskEnableUUID {
			v = "TRUE"
		}
		p.spec.ExtraConfig = append(p.spec.ExtraConfig, &types.OptionValue{Key: KeyDiskEnableUUID, Value: v})
		p.changed("disk_enable_uuid", false)
	}
	return errs
}
