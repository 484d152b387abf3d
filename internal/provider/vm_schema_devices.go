package provider

import (
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
)

// The disk and network_interface blocks. Their computed values (a disk's
// unit, path and size, an adapter's MAC) are not carried over by list
// position: ModifyPlan asks the domain which device each block names and
// plans that device's values (vmResource.planUpdate).

func vmDiskBlock() schema.ListNestedBlock {
	return schema.ListNestedBlock{
		MarkdownDescription: "Virtual disks. The list is complete: a disk of the VM that no block names is removed. " +
			"A block names a disk by its place, `controller_type`, `bus_number` and `unit_number`; a block without `unit_number` is matched, in order, " +
			"to the VM's disks that no block names, which is unambiguous as long as no disk is removed. To remove a disk, give every remaining block its " +
			"`unit_number` (the state shows it): a plan that would have to guess is refused and lists the disks to name. " +
			"Without any `disk` block, a template's disks are copied as they are and ceso leaves the disks alone. " +
			"Growing `size_gb` extends a disk in place; shrinking is refused (it would destroy data).",
		NestedObject: schema.NestedBlockObject{Attributes: map[string]schema.Attribute{
			"size_gb": schema.Int64Attribute{Optional: true, Computed: true, MarkdownDescription: "Size in GiB (default for a template disk: its size).",
				Validators: []validator.Int64{int64validator.AtLeast(1)}},
			"provisioning": schema.StringAttribute{Optional: true, Computed: true, MarkdownDescription: "`thin`, `thick` or `eager_zeroed` (default: thin, or the template disk's).",
				Validators: []validator.String{stringvalidator.OneOf("thin", "thick", "eager_zeroed")}},
			"controller_type": schema.StringAttribute{Optional: true, Computed: true, MarkdownDescription: "`scsi` (default), `sata`, `nvme` or `ide`.",
				Validators: []validator.String{stringvalidator.OneOf("scsi", "sata", "nvme", "ide")}},
			"bus_number": schema.Int64Attribute{Optional: true, Computed: true,
				MarkdownDescription: "Bus number of the disk's controller, 0 to 3 (IDE: 0 or 1); default 0. Needs `unit_number`.",
				Validators: []validator.Int64{int64validator.Between(0, 3),
					int64validator.AlsoRequires(path.MatchRelative().AtParent().AtName("unit_number"))}},
			"unit_number": schema.Int64Attribute{Optional: true, Computed: true,
				MarkdownDescription: "Unit of the disk on its controller: SCSI 0 to 15 (7 is the controller's own), 0 to 63 on a PVSCSI controller of hardware version 14 or later; SATA 0 to 29; NVMe 0 to 14; IDE 0 or 1. " +
					"It is the disk's identity: set it on every block to remove a disk. (Before schema version 1 it counted across controllers: SCSI 17 was bus 1 unit 1; " +
					"such a number is refused when the VM has that disk, with the `bus_number` and `unit_number` to write.)",
				Validators: []validator.Int64{int64validator.Between(0, 63)}},
			"datastore": schema.StringAttribute{Optional: true, Computed: true, MarkdownDescription: "Datastore of the disk (default: the VM's)."},
			"keep_on_remove": schema.BoolAttribute{Optional: true, Computed: true, Default: booldefault.StaticBool(false),
				MarkdownDescription: "Detach and keep the disk's files when it is removed or the VM is deleted: they move to `<vm folder>-kept` on the same datastore, and the apply reports the path. Default `false`: a removed disk's files are deleted, and the plan names them."},
			"attach": schema.BoolAttribute{Optional: true, Computed: true, Default: booldefault.StaticBool(false),
				MarkdownDescription: "Attach the existing disk at `path` (a `ceso_virtual_disk`, or any VMDK outside the VM's folder) instead of making one. " +
					"Its size and provisioning are the disk's own, so `size_gb`, `provisioning`, `datastore` and `keep_on_remove` cannot be set with it. " +
					"An attached disk is named by its path, and is never deleted: removing its block, or deleting the VM, detaches it. " +
					"The plan refuses a path that does not exist, is not a VMDK, lies in the VM's own folder, or is attached to another VM (naming it). " +
					"ceso tells attached disks by where they live: every disk outside the VM's folder is one, also after an import, where such a disk's block must say `attach = true` and its `path`."},
			"path": schema.StringAttribute{Optional: true, Computed: true,
				MarkdownDescription: "Datastore path of the disk file, `[datastore] folder/name.vmdk`. Set it only with `attach = true`, to name the existing disk to attach; otherwise the host chooses it."},
			"label": schema.StringAttribute{Computed: true, MarkdownDescription: "Device label, e.g. `Hard disk 1`."},
		}},
	}
}

func vmNICBlock() schema.ListNestedBlock {
	return schema.ListNestedBlock{
		MarkdownDescription: "Network adapters, in the order the guest sees them. The list is complete: an adapter that no block names is removed. " +
			"A block names an adapter by `mac_address`; a block without one is matched, in order, to the adapters no block names, which is unambiguous " +
			"as long as no adapter is removed. To remove an adapter, set `mac_address` on every remaining block (the state shows the addresses). " +
			"Without any block, a template's adapters are kept as they are.",
		NestedObject: schema.NestedBlockObject{Attributes: map[string]schema.Attribute{
			"network": schema.StringAttribute{Required: true, MarkdownDescription: "Port group name or inventory path."},
			"adapter_type": schema.StringAttribute{Optional: true, Computed: true, MarkdownDescription: "`vmxnet3` (default), `e1000e` or `e1000`. Changing it replaces the adapter, which gets a new generated MAC.",
				Validators: []validator.String{stringvalidator.OneOf("vmxnet3", "e1000e", "e1000")}},
			"mac_address": schema.StringAttribute{Optional: true, Computed: true,
				MarkdownDescription: "The adapter's MAC address, and its identity. An address in VMware's static range (00:50:56:00:00:00 to 00:50:56:3f:ff:ff) is set as a static address; " +
					"any other must be the generated address of one of the VM's adapters, which it names. Default: generated by the host."},
		}},
	}
}
