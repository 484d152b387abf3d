package provider

import (
	"context"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/image"
)

// imageModel is ceso_image's configuration and state.
type imageModel struct {
	ID               types.String   `tfsdk:"id"`
	Name             types.String   `tfsdk:"name"`
	Source           types.String   `tfsdk:"source"`
	SourceSHA256     types.String   `tfsdk:"source_sha256"`
	Datacenter       types.String   `tfsdk:"datacenter"`
	Datastore        types.String   `tfsdk:"datastore"`
	Folder           types.String   `tfsdk:"folder"`
	Host             types.String   `tfsdk:"host"`
	ResourcePool     types.String   `tfsdk:"resource_pool"`
	NetworkMappings  types.Map      `tfsdk:"network_mappings"`
	OVFProperties    types.Map      `tfsdk:"ovf_properties"`
	DiskProvisioning types.String   `tfsdk:"disk_provisioning"`
	Template         types.Bool     `tfsdk:"template"`
	UUID             types.String   `tfsdk:"uuid"`
	MOID             types.String   `tfsdk:"moid"`
	Path             types.String   `tfsdk:"path"`
	Disks            types.List     `tfsdk:"disks"`
	Timeouts         timeouts.Value `tfsdk:"timeouts"`
}

var imageDiskType = types.ObjectType{AttrTypes: map[string]attr.Type{
	"label": types.StringType, "path": types.StringType, "size_bytes": types.Int64Type,
	"controller": types.StringType, "unit_number": types.Int64Type,
}}

// spec turns the plan into what the domain deploys; the provider's
// datacenter is the default on vCenter.
func (m *imageModel) spec(ctx context.Context, defaultDC string, diags *diag.Diagnostics) image.Spec {
	s := image.Spec{
		Name: m.Name.ValueString(), Source: m.Source.ValueString(), SourceSHA256: m.SourceSHA256.ValueString(),
		Datacenter: m.Datacenter.ValueString(), Datastore: m.Datastore.ValueString(), Folder: m.Folder.ValueString(),
		Host: m.Host.ValueString(), ResourcePool: m.ResourcePool.ValueString(),
		NetworkMappings: stringMap(ctx, m.NetworkMappings, diags), OVFProperties: stringMap(ctx, m.OVFProperties, diags),
		DiskProvisioning: m.DiskProvisioning.ValueString(), Template: m.Template.ValueBool(),
	}
	if s.Datacenter == "" {
		s.Datacenter = defaultDC
	}
	return s
}

// planKnown reports whether every input the plan-time check reads is known.
func (m *imageModel) planKnown() bool {
	for _, v := range []attr.Value{m.Name, m.Source, m.SourceSHA256, m.Datacenter, m.Datastore, m.Folder, m.Host,
		m.ResourcePool, m.NetworkMappings, m.OVFProperties, m.DiskProvisioning, m.Template} {
		if v.IsUnknown() {
			return false
		}
	}
	return true
}

// replaces reports whether the plan changes an input that needs a new
// image (ModifyPlan does not see what plan modifiers decided, so the
// resource compares for itself). An adopted image (imported: no source in
// state) takes its inputs from the first plan without a new deployment.
func (m *imageModel) replaces(prior *imageModel) bool {
	if prior.Source.IsNull() {
		return false
	}
	pairs := [][2]attr.Value{
		{m.Name, prior.Name}, {m.Source, prior.Source}, {m.Datacenter, prior.Datacenter}, {m.Host, prior.Host},
		{m.ResourcePool, prior.ResourcePool}, {m.NetworkMappings, prior.NetworkMappings}, {m.OVFProperties, prior.OVFProperties},
		{m.DiskProvisioning, prior.DiskProvisioning},
	}
	for _, p := range pairs {
		if !p[0].Equal(p[1]) {
			return true
		}
	}
	if !strings.EqualFold(m.SourceSHA256.ValueString(), prior.SourceSHA256.ValueString()) {
		return true
	}
	// datastore and folder are computed: unknown in the plan means unset.
	for _, p := range [][2]types.String{{m.Datastore, prior.Datastore}, {m.Folder, prior.Folder}} {
		if known(p[0]) && !p[0].Equal(p[1]) {
			return true
		}
	}
	return false
}

// fill records what the host reports. Inputs are only filled in where the
// state has none (after an import), so the configuration's spelling of a
// datastore or folder is kept.
func (m *imageModel) fill(img *image.Image, diags *diag.Diagnostics) {
	m.ID = types.StringValue(img.UUID)
	m.UUID = types.StringValue(img.UUID)
	m.MOID = types.StringValue(img.MOID)
	m.Path = types.StringValue(img.Path)
	m.Template = types.BoolValue(img.Template)
	if !known(m.Datastore) {
		m.Datastore = types.StringValue(img.Datastore)
	}
	if !known(m.Folder) {
		m.Folder = types.StringValue(img.Folder)
	}
	disks := make([]attr.Value, 0, len(img.Disks))
	for _, d := range img.Disks {
		o, dd := types.ObjectValue(imageDiskType.AttrTypes, map[string]attr.Value{
			"label": types.StringValue(d.Label), "path": types.StringValue(d.Path), "size_bytes": types.Int64Value(d.SizeBytes),
			"controller": types.StringValue(d.Controller), "unit_number": types.Int64Value(int64(d.UnitNumber)),
		})
		diags.Append(dd...)
		disks = append(disks, o)
	}
	l, dd := types.ListValue(imageDiskType, disks)
	diags.Append(dd...)
	m.Disks = l
}

// adopt fills the inputs of an imported image from the host: its name,
// the checksum recorded at deployment, and defaults.
func (m *imageModel) adopt(img *image.Image) {
	m.Name = types.StringValue(img.Name)
	if img.SHA256 != "" {
		m.SourceSHA256 = types.StringValue(img.SHA256)
	}
	if m.DiskProvisioning.IsNull() {
		m.DiskProvisioning = types.StringValue("thin")
	}
}
