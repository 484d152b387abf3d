package provider

import (
	"context"
	"regexp"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/listplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/mapplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/image"
)

var sha256Pattern = regexp.MustCompile(`^[0-9a-fA-F]{64}$`)

// replaceUnlessAdopted asks for a new image when an input changes, except
// on the first plan after an import: an imported image has no source in
// state, and takes its inputs from that plan without a new deployment.
func replaceUnlessAdopted() (planmodifier.String, planmodifier.Map) {
	const desc = "A change deploys a new image, except on the first plan after an import."
	s := stringplanmodifier.RequiresReplaceIf(func(ctx context.Context, req planmodifier.StringRequest, resp *stringplanmodifier.RequiresReplaceIfFuncResponse) {
		resp.RequiresReplace = deployedByCeso(ctx, req.State)
	}, desc, desc)
	m := mapplanmodifier.RequiresReplaceIf(func(ctx context.Context, req planmodifier.MapRequest, resp *mapplanmodifier.RequiresReplaceIfFuncResponse) {
		resp.RequiresReplace = deployedByCeso(ctx, req.State)
	}, desc, desc)
	return s, m
}

// deployedByCeso reports whether the prior state records a source.
func deployedByCeso(ctx context.Context, state tfsdk.State) bool {
	var src types.String
	if state.GetAttribute(ctx, path.Root("source"), &src).HasError() {
		return true
	}
	return !src.IsNull()
}

func imageSchema(ctx context.Context) schema.Schema {
	rs, rm := replaceUnlessAdopted()
	in := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{Optional: true, MarkdownDescription: desc, PlanModifiers: []planmodifier.String{rs}}
	}
	computedIn := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{Optional: true, Computed: true, MarkdownDescription: desc,
			PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown(), rs}}
	}
	return schema.Schema{
		MarkdownDescription: "An OVA or OVF package deployed as a VM or template, on a standalone ESXi host or vCenter. " +
			"The package is streamed from a local path or an http(s) URL (never held in memory whole, never written to a temporary file) " +
			"through the host's NFC import, its SHA-256 checked on the way. A failed or mismatched deployment leaves nothing on the host. " +
			"A change of `source`, `source_sha256` or any other argument but `template` deploys a new image (destroying the old one is destructive: standard mode needs an elevation).",
		Attributes: map[string]schema.Attribute{
			"id": readOnlyString("Instance UUID of the deployed VM or template (same as `uuid`)."),
			"name": schema.StringAttribute{Required: true, PlanModifiers: []planmodifier.String{rs},
				MarkdownDescription: "Name of the VM or template, e.g. `ubuntu-24.04-template`. Must not be taken in the datacenter.",
				Validators:          []validator.String{stringvalidator.LengthBetween(1, 80)}},
			"source": schema.StringAttribute{Required: true, PlanModifiers: []planmodifier.String{rs},
				MarkdownDescription: "The package: a local path or an `http(s)://` URL of an `.ova`, or of an `.ovf` with its disks beside it.",
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)}},
			"source_sha256": schema.StringAttribute{Optional: true, PlanModifiers: []planmodifier.String{rs},
				MarkdownDescription: "Expected SHA-256 (hex) that pins every byte deployed: of the whole `.ova`, checked while it streams; for an `.ovf` source, " +
					"of its manifest (the `.mf` beside the descriptor), which must list a SHA-256, SHA-512 or SHA-1 of the descriptor and of every file it references, " +
					"each checked while it streams. An `.ovf` with `source_sha256` and no complete manifest is refused at plan. " +
					"On a mismatch the deployment is aborted and removed.",
				Validators: []validator.String{stringvalidator.RegexMatches(sha256Pattern, "must be 64 hexadecimal digits")}},
			"datacenter":    in("Datacenter (vCenter; default: the provider's `datacenter`, or the only one)."),
			"datastore":     computedIn("Datastore for the image's files (default: the datacenter's only datastore)."),
			"folder":        computedIn("Inventory folder for the image (default: the datacenter's VM folder)."),
			"host":          in("Host to deploy on (vCenter; default: let vCenter choose within the resource pool)."),
			"resource_pool": in("Resource pool, by name or inventory path (default: the host's or the only cluster's root pool)."),
			"network_mappings": schema.MapAttribute{Optional: true, ElementType: types.StringType, PlanModifiers: []planmodifier.Map{rm},
				MarkdownDescription: "Port group for each network the package declares, keyed by the OVF network name, e.g. `{ \"VM Network\" = \"dmz\" }`. " +
					"Every OVF network needs one; the plan fails and lists them otherwise."},
			"ovf_properties": schema.MapAttribute{Optional: true, Sensitive: true, ElementType: types.StringType, PlanModifiers: []planmodifier.Map{rm},
				MarkdownDescription: "vApp property values, keyed by the property's key in the package (e.g. `hostname`, `user-data` in Ubuntu's cloud OVA). " +
					"Only properties the package marks user-configurable are accepted. Sensitive: values may hold passwords."},
			"disk_provisioning": schema.StringAttribute{Optional: true, Computed: true, Default: stringdefault.StaticString("thin"),
				PlanModifiers:       []planmodifier.String{rs},
				MarkdownDescription: "Provisioning of the deployed disks: `thin` (default), `thick` or `eager_zeroed`.",
				Validators:          []validator.String{stringvalidator.OneOf(image.DiskProvisioningValues()...)}},
			"template": schema.BoolAttribute{Optional: true, Computed: true, Default: booldefault.StaticBool(false),
				MarkdownDescription: "Make the image a template: vCenter's template flag, or on a standalone host (which has none) the ceso marker " +
					"`ceso.template = true` in its extra config, which `ceso_templates` lists and `ceso_vm.template` copies from. " +
					"Changes in place, and a flag or marker changed outside Terraform is set back."},
			"uuid": readOnlyString("Instance UUID of the VM or template; `ceso_vm.template` takes it."),
			"moid": readOnlyString("Managed object id, e.g. `vm-42`."),
			"path": readOnlyString("Inventory path, e.g. `/ha-datacenter/vm/ubuntu-24.04-template`."),
			"disks": schema.ListNestedAttribute{Computed: true, PlanModifiers: []planmodifier.List{listplanmodifier.UseStateForUnknown()},
				MarkdownDescription: "The deployed virtual disks.",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"label":       schema.StringAttribute{Computed: true, MarkdownDescription: "Device label, e.g. `Hard disk 1`."},
					"path":        schema.StringAttribute{Computed: true, MarkdownDescription: "Datastore path of the disk descriptor."},
					"size_bytes":  schema.Int64Attribute{Computed: true, MarkdownDescription: "Capacity in bytes."},
					"controller":  schema.StringAttribute{Computed: true, MarkdownDescription: "Controller family: `scsi`, `sata`, `nvme` or `ide`."},
					"unit_number": schema.Int64Attribute{Computed: true, MarkdownDescription: "Unit number on the controller."},
				}}},
		},
		Blocks: map[string]schema.Block{"timeouts": imageTimeouts(ctx)},
	}
}

func imageTimeouts(ctx context.Context) schema.Block {
	b := timeouts.Block(ctx, timeouts.Opts{Create: true, Delete: true})
	if nb, ok := b.(schema.SingleNestedBlock); ok {
		nb.MarkdownDescription = "How long a deployment (`create`, default 2h: the whole download and upload) and a removal (`delete`, default 10m) may take."
		return nb
	}
	return b
}
