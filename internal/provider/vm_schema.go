package provider

import (
	"context"
	"regexp"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/boolplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/mapplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

var durationOrEmpty = regexp.MustCompile(`^(([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+)?$`)

// computedString is an optional attribute the host fills in when it is not
// set; the prior value is kept in plans so they stay quiet.
func computedString(desc string, mods ...planmodifier.String) schema.StringAttribute {
	return schema.StringAttribute{Optional: true, Computed: true, MarkdownDescription: desc,
		PlanModifiers: append([]planmodifier.String{stringplanmodifier.UseStateForUnknown()}, mods...)}
}

func readOnlyString(desc string) schema.StringAttribute {
	return schema.StringAttribute{Computed: true, MarkdownDescription: desc,
		PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()}}
}

func vmSchema(ctx context.Context) schema.Schema {
	replace := stringplanmodifier.RequiresReplace()
	return schema.Schema{
		// Version 1: disks and NICs are matched by identity (slot, MAC), and
		// unit_number is the unit on its controller, with bus_number beside it.
		Version: 1,
		MarkdownDescription: "A virtual machine: created empty or from a template (a standalone ESXi host gets a disk-by-disk copy, " +
			"since it refuses clones; vCenter clones), with CPU, memory, disks, NICs, power state and a cloud-init payload. " +
			"A VM ceso is creating carries a marker and a lease from its first task, so an interrupted create is cleaned up by a later apply, " +
			"never duplicated, and a create in progress elsewhere is never touched. Import by UUID, inventory path or name.",
		Attributes: map[string]schema.Attribute{
			"id": readOnlyString("The VM's instance UUID."),
			"name": schema.StringAttribute{Required: true, MarkdownDescription: "VM name. Changing it renames the VM in place.",
				Validators: []validator.String{stringvalidator.LengthBetween(1, 80)}},
			"template": schema.StringAttribute{Optional: true, PlanModifiers: []planmodifier.String{replace},
				MarkdownDescription: "Source VM or template: name, UUID or inventory path. Changing it replaces the VM.",
				Validators:          []validator.String{stringvalidator.ConflictsWith(path.MatchRoot("backup"))}},
			"linked_clone": schema.BoolAttribute{Optional: true, PlanModifiers: []planmodifier.Bool{boolplanmodifier.RequiresReplace()},
				MarkdownDescription: "vCenter only: clone as a linked clone sharing the template's disks through a snapshot."},
			"clone_snapshot": schema.StringAttribute{Optional: true, PlanModifiers: []planmodifier.String{replace},
				MarkdownDescription: "Snapshot of the template to clone from (linked clones; default: its current snapshot)."},
			"backup": schema.StringAttribute{Optional: true, PlanModifiers: []planmodifier.String{replace},
				MarkdownDescription: "Backup id or manifest path of a `ceso_backup` to restore into this new VM."},

			"datastore": computedString("Datastore for the VM's files (default: the template's, or the host's only datastore). Changing it moves the VM's files on vCenter (Storage vMotion); " +
				"a standalone host cannot move them, so there it replaces the VM (the plan says so)."),
			"folder":        computedString("VM folder: an inventory path or a path relative to the datacenter's VM folder."),
			"datacenter":    schema.StringAttribute{Optional: true, PlanModifiers: []planmodifier.String{replace}, MarkdownDescription: "vCenter: datacenter (default: the provider's)."},
			"cluster":       schema.StringAttribute{Optional: true, PlanModifiers: []planmodifier.String{replace}, MarkdownDescription: "vCenter: cluster to place the VM in."},
			"resource_pool": schema.StringAttribute{Optional: true, MarkdownDescription: "vCenter: resource pool (name or path). Changing it moves the VM."},
			"host":          computedString("Host to place the VM on (vCenter; changing it moves the VM with vMotion); the host it runs on, refreshed after a move."),

			"guest_id":         computedString("Guest OS identifier, e.g. `ubuntu64Guest` (default: the template's, or `otherGuest64`)."),
			"firmware":         computedString("`bios` or `efi`. Changing it replaces the VM.", replace),
			"hardware_version": schema.Int64Attribute{Optional: true, Computed: true, MarkdownDescription: "Virtual hardware version number (`19` for vmx-19). Raising it upgrades in place; lowering it is refused.", PlanModifiers: []planmodifier.Int64{int64planmodifier.UseStateForUnknown()}},
			"cpus":             schema.Int64Attribute{Optional: true, Computed: true, MarkdownDescription: "Virtual CPUs. Changed in place: hot-added when `cpu_hot_add` is on, else with a power cycle when `allow_power_cycle = true`.", PlanModifiers: []planmodifier.Int64{int64planmodifier.UseStateForUnknown()}, Validators: []validator.Int64{int64validator.Between(1, 768)}},
			"cores_per_socket": schema.Int64Attribute{Optional: true, Computed: true, MarkdownDescription: "Cores per virtual socket.", PlanModifiers: []planmodifier.Int64{int64planmodifier.UseStateForUnknown()}, Validators: []validator.Int64{int64validator.AtLeast(1)}},
			"memory_mb":        schema.Int64Attribute{Optional: true, Computed: true, MarkdownDescription: "Memory in MiB (a multiple of 4).", PlanModifiers: []planmodifier.Int64{int64planmodifier.UseStateForUnknown()}, Validators: []validator.Int64{int64validator.AtLeast(4)}},
			"cpu_hot_add":      schema.BoolAttribute{Optional: true, Computed: true, MarkdownDescription: "Allow adding CPUs while the VM runs.", PlanModifiers: []planmodifier.Bool{boolplanmodifier.UseStateForUnknown()}},
			"memory_hot_add":   schema.BoolAttribute{Optional: true, Computed: true, MarkdownDescription: "Allow adding memory while the VM runs.", PlanModifiers: []planmodifier.Bool{boolplanmodifier.UseStateForUnknown()}},
			"scsi_type":        computedString("Type of SCSI controllers ceso adds: `pvscsi` (default), `lsilogic`, `lsilogic-sas` or `buslogic`."),
			"nested_hv": schema.BoolAttribute{Optional: true, Computed: true, PlanModifiers: []planmodifier.Bool{boolplanmodifier.UseStateForUnknown()},
				MarkdownDescription: "Expose hardware-assisted virtualisation to the guest, so it can run a hypervisor (nested ESXi, Hyper-V, KVM). Changes with the VM powered off (a power cycle with `allow_power_cycle = true`). Unset keeps what the VM has."},
			"efi_secure_boot": schema.BoolAttribute{Optional: true, Computed: true, PlanModifiers: []planmodifier.Bool{boolplanmodifier.UseStateForUnknown()},
				MarkdownDescription: "UEFI Secure Boot: the firmware boots only signed loaders. Needs `firmware = \"efi\"`; changes with the VM powered off. Unset keeps what the VM has."},
			"disk_enable_uuid": schema.BoolAttribute{Optional: true, Computed: true, PlanModifiers: []planmodifier.Bool{boolplanmodifier.UseStateForUnknown()},
				MarkdownDescription: "Set `disk.EnableUUID`, so the guest sees stable disk serial numbers (Kubernetes CSI drivers and udev `by-id` links need it). Unset: `true` on a new VM, unchanged on an existing or imported one. Takes effect at the next power-on."},
			"notes": schema.StringAttribute{Optional: true, Computed: true, PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
				MarkdownDescription: "The VM's notes (annotation), changed in place. The API cannot clear notes, so changing them to empty is refused at plan. Unset keeps what the VM has."},
			"pci_devices":                      vmPCIDevicesAttribute(),
			"vtpm":                             vmVTPMAttribute(),
			"memory_reservation_locked_to_max": vmMemoryLockAttribute(),
			"cdrom":                            computedString("ISO image in the CD-ROM drive, as `[datastore] path/image.iso`; empty removes the drive."),

			"guestinfo": schema.MapAttribute{Optional: true, ElementType: types.StringType, Sensitive: true,
				MarkdownDescription: "`guestinfo.*` keys for the guest, usually `ceso_cloudinit.x.guestinfo`. A change replaces the VM (cloud-init runs on first boot only) unless `cloudinit_update = \"in_place\"`. Only these keys are compared, so keys the guest writes back cause no drift.",
				PlanModifiers: []planmodifier.Map{mapplanmodifier.RequiresReplaceIf(cloudinitReplace,
					"A new cloud-init payload replaces the VM unless cloudinit_update is \"in_place\".",
					"A new cloud-init payload replaces the VM unless `cloudinit_update` is `\"in_place\"`.")}},
			"extra_config": schema.MapAttribute{Optional: true, ElementType: types.StringType,
				MarkdownDescription: "Other VMX extra configuration keys ceso manages (not `guestinfo.*`, not `ceso.*`). Only these keys are compared."},
			"cloudinit_update": schema.StringAttribute{Optional: true, Computed: true, Default: stringdefault.StaticString("replace"),
				MarkdownDescription: "What a changed `guestinfo` payload does: `replace` (default) replaces the VM; `in_place` writes the new payload to the existing VM.",
				Validators:          []validator.String{stringvalidator.OneOf("replace", "in_place")}},

			"power_state": schema.StringAttribute{Optional: true, Computed: true, Default: stringdefault.StaticString("on"),
				MarkdownDescription: "`on` (default), `off` or `suspended`. Powering off shuts the guest down through VMware Tools; see `force_power_off`.",
				Validators:          []validator.String{stringvalidator.OneOf("on", "off", "suspended")}},
			"allow_power_cycle": schema.BoolAttribute{Optional: true, Computed: true, Default: booldefault.StaticBool(false),
				MarkdownDescription: "Let an update power the VM off and on for a change it cannot make while the VM runs."},
			"force_power_off": schema.BoolAttribute{Optional: true, Computed: true, Default: booldefault.StaticBool(false),
				MarkdownDescription: "Fall back to a hard power-off when the guest does not shut down within `shutdown_timeout`. A forced power-off is destructive: in standard mode it needs an elevation."},
			"shutdown_timeout": schema.StringAttribute{Optional: true, Computed: true, Default: stringdefault.StaticString("2m"),
				MarkdownDescription: "How long a graceful guest shutdown may take.", Validators: durationValidators()},
			"wait_for_ip": schema.StringAttribute{Optional: true,
				MarkdownDescription: "After powering on, wait up to this long (e.g. `5m`) for the guest to report an IP address.",
				Validators:          []validator.String{stringvalidator.RegexMatches(durationOrEmpty, `must be a duration such as "5m"`)}},

			"uuid":      readOnlyString("Instance UUID."),
			"bios_uuid": readOnlyString("BIOS UUID (what the guest sees as its system UUID)."),
			"moid":      readOnlyString("Managed object ID."),
			"path": schema.StringAttribute{Computed: true, MarkdownDescription: "Inventory path.",
				PlanModifiers: []planmodifier.String{keepWhenUnchanged{"name", "folder"}}},
			"ip_addresses":  schema.ListAttribute{Computed: true, ElementType: types.StringType, MarkdownDescription: "IP addresses reported by VMware Tools."},
			"default_ip":    schema.StringAttribute{Computed: true, MarkdownDescription: "The guest's primary IP address."},
			"mac_addresses": schema.ListAttribute{Computed: true, ElementType: types.StringType, MarkdownDescription: "MAC addresses of the NICs, in the order the guest sees them."},
			"tools_status":  schema.StringAttribute{Computed: true, MarkdownDescription: "VMware Tools status."},
			"is_template": schema.BoolAttribute{Computed: true, MarkdownDescription: "Whether the VM is a template (vCenter flag or ceso marker).",
				PlanModifiers: []planmodifier.Bool{boolplanmodifier.UseStateForUnknown()}},
		},
		Blocks: map[string]schema.Block{
			"disk":              vmDiskBlock(),
			"network_interface": vmNICBlock(),
			"timeouts":          vmTimeouts(ctx),
		},
	}
}

// vmTimeouts is the timeouts block, described for the docs.
func vmTimeouts(ctx context.Context) schema.Block {
	b := timeouts.Block(ctx, timeouts.Opts{Create: true, Update: true, Delete: true})
	if nb, ok := b.(schema.SingleNestedBlock); ok {
		nb.MarkdownDescription = "How long a create (copying a template's disks, waiting for an IP), an update and a delete may take (default 30m each), as durations such as `45m`."
		return nb
	}
	return b
}

// cloudinitReplace replaces the VM for a new payload unless the
// configuration asks for in-place updates.
func cloudinitReplace(ctx context.Context, req planmodifier.MapRequest, resp *mapplanmodifier.RequiresReplaceIfFuncResponse) {
	if req.StateValue.IsNull() && req.PlanValue.IsNull() {
		return
	}
	var mode types.String
	resp.Diagnostics.Append(req.Plan.GetAttribute(ctx, path.Root("cloudinit_update"), &mode)...)
	resp.RequiresReplace = mode.ValueString() != "in_place"
}

var _ resource.Resource = (*vmResource)(nil)
