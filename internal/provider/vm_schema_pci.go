package provider

import (
	"regexp"

	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/boolplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
)

// The passthrough attributes of ceso_vm: PCI devices, the virtual TPM and
// the memory lock passthrough needs. The domain checks them against the
// host at plan time (vm.PlanCreate, vm.PlanUpdate).

var (
	pciAddressPattern = regexp.MustCompile(`^[0-9a-fA-F]{4}:[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7]$`)
	pciIDPattern      = regexp.MustCompile(`^(0[xX])?[0-9a-fA-F]{1,4}$`)
)

func vmPCIDevicesAttribute() schema.ListNestedAttribute {
	sibling := func(name string) path.Expression { return path.MatchRelative().AtParent().AtName(name) }
	return schema.ListNestedAttribute{Optional: true,
		MarkdownDescription: "PCI devices passed through to the VM (DirectPath I/O), e.g. a GPU. Each entry names either one device of the host by " +
			"`host_id`, or any device of a model by `vendor_id` and `device_id` (dynamic DirectPath I/O, which leaves the host to pick a free one). " +
			"The list is complete: a passthrough device of the VM that no entry names is removed. The plan checks that the VM's host has each new " +
			"device and has it enabled for passthrough. Devices are added and removed only while the VM is powered off (they cannot be hot-plugged): " +
			"on a running VM the change needs `allow_power_cycle = true` or `power_state = \"off\"`. A VM with passthrough devices has all its memory " +
			"reserved (`memory_reservation_locked_to_max`), as the host requires to power it on.",
		Validators: []validator.List{listvalidator.SizeAtMost(16)},
		NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
			"host_id": schema.StringAttribute{Optional: true,
				MarkdownDescription: "The host's PCI address of the device, `domain:bus:slot.function`, e.g. `0000:3b:00.0` (Configure > Hardware > PCI Devices on the host). " +
					"Ties the VM to that host. Conflicts with `vendor_id` and `device_id`.",
				Validators: []validator.String{
					stringvalidator.RegexMatches(pciAddressPattern, "must be a PCI address such as 0000:3b:00.0"),
					stringvalidator.ExactlyOneOf(sibling("vendor_id")),
				}},
			"vendor_id": schema.StringAttribute{Optional: true,
				MarkdownDescription: "PCI vendor id in hex, e.g. `0x10de` (NVIDIA), for dynamic DirectPath I/O. Needs `device_id`.",
				Validators: []validator.String{stringvalidator.RegexMatches(pciIDPattern, "must be a PCI id in hex such as 0x10de"),
					stringvalidator.AlsoRequires(sibling("device_id"))}},
			"device_id": schema.StringAttribute{Optional: true,
				MarkdownDescription: "PCI device id in hex, e.g. `0x1eb8` (Tesla T4), for dynamic DirectPath I/O. Needs `vendor_id`.",
				Validators: []validator.String{stringvalidator.RegexMatches(pciIDPattern, "must be a PCI id in hex such as 0x1eb8"),
					stringvalidator.AlsoRequires(sibling("vendor_id"))}},
		}},
	}
}

func vmVTPMAttribute() schema.BoolAttribute {
	return schema.BoolAttribute{Optional: true, Computed: true, PlanModifiers: []planmodifier.Bool{boolplanmodifier.UseStateForUnknown()},
		MarkdownDescription: "A virtual TPM 2.0 device (Windows 11, measured boot, BitLocker). vCenter only: it needs a default key provider " +
			"(a Native Key Provider or a KMS), which encrypts the VM's files, and `firmware = \"efi\"`; a standalone ESXi host cannot add one, and the plan says so. " +
			"Added and removed while the VM is powered off. Unset keeps what the VM has."}
}

func vmMemoryLockAttribute() schema.BoolAttribute {
	return schema.BoolAttribute{Optional: true, Computed: true, PlanModifiers: []planmodifier.Bool{boolplanmodifier.UseStateForUnknown()},
		MarkdownDescription: "Reserve all of the VM's memory, whatever its size (`memoryReservationLockedToMax`). A VM with `pci_devices` needs it: unset, " +
			"the plan turns it on with the first passthrough device, and `false` is refused. Removing the devices leaves it on until you set `false`. " +
			"Unset keeps what the VM has."}
}
