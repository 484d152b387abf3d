package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/esxi"
)

var (
	_ datasource.DataSourceWithConfigure = (*networkDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*networksDataSource)(nil)
)

// NewNetworkDataSource returns the ceso_network data source.
func NewNetworkDataSource() datasource.DataSource { return &networkDataSource{} }

// NewNetworksDataSource returns the ceso_networks data source.
func NewNetworksDataSource() datasource.DataSource { return &networksDataSource{} }

type networkDataSource struct{ dataSourceData }
type networksDataSource struct{ dataSourceData }

type networkFields struct {
	ID         types.String `tfsdk:"id"`
	Name       types.String `tfsdk:"name"`
	Path       types.String `tfsdk:"path"`
	Datacenter types.String `tfsdk:"datacenter"`
	Type       types.String `tfsdk:"type"`
	Accessible types.Bool   `tfsdk:"accessible"`
}

func newNetworkFields(n esxi.Network) networkFields {
	return networkFields{ID: types.StringValue(n.Ref.Value), Name: types.StringValue(n.Name), Path: types.StringValue(n.Path),
		Datacenter: types.StringValue(n.Datacenter), Type: types.StringValue(n.Type), Accessible: types.BoolValue(n.Accessible)}
}

func networkAttributes(lookup bool) map[string]schema.Attribute {
	a := map[string]schema.Attribute{
		"id":         schema.StringAttribute{Computed: true, MarkdownDescription: "Managed object ID."},
		"name":       schema.StringAttribute{Computed: true, MarkdownDescription: "Network (port group) name."},
		"path":       schema.StringAttribute{Computed: true, MarkdownDescription: "Inventory path."},
		"datacenter": schema.StringAttribute{Computed: true, MarkdownDescription: "Datacenter the network belongs to."},
		"type":       schema.StringAttribute{Computed: true, MarkdownDescription: "`Network` (standard port group), `DistributedVirtualPortgroup` or `OpaqueNetwork`."},
		"accessible": schema.BoolAttribute{Computed: true, MarkdownDescription: "Whether the network is accessible from at least one host."},
	}
	if lookup {
		a["name"] = schema.StringAttribute{Required: true, MarkdownDescription: "Network name or inventory path."}
		a["datacenter"] = schema.StringAttribute{Optional: true, Computed: true,
			MarkdownDescription: "Datacenter to search on vCenter (default: the provider's `datacenter`)."}
	}
	return a
}

func (d *networkDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_network"
}

func (d *networkDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{MarkdownDescription: "One network (standard or distributed port group) by name or path.",
		Attributes: networkAttributes(true)}
}

func (d *networkDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m networkFields
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	snap := d.data.snapshot(ctx, &resp.Diagnostics, "ceso_network")
	if snap == nil {
		return
	}
	n, err := snap.FindNetwork(m.Name.ValueString(), d.data.datacenterScope(m.Datacenter))
	if err != nil {
		lookupError(&resp.Diagnostics, "name", err)
		return
	}
	out := newNetworkFields(n)
	out.Name = m.Name
	resp.Diagnostics.Append(resp.State.Set(ctx, &out)...)
}

type networksModel struct {
	Datacenter types.String    `tfsdk:"datacenter"`
	NameRegex  types.String    `tfsdk:"name_regex"`
	Networks   []networkFields `tfsdk:"networks"`
}

func (d *networksDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_networks"
}

func (d *networksDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Every network (port group) of the host, or of a datacenter on vCenter.",
		Attributes: map[string]schema.Attribute{
			"datacenter": schema.StringAttribute{Optional: true, MarkdownDescription: "Only networks of this datacenter (vCenter; default: the provider's `datacenter`)."},
			"name_regex": schema.StringAttribute{Optional: true, MarkdownDescription: "Only networks whose name matches this regular expression (RE2)."},
			"networks": schema.ListNestedAttribute{Computed: true, MarkdownDescription: "The networks, sorted by path.",
				NestedObject: schema.NestedAttributeObject{Attributes: networkAttributes(false)}},
		},
	}
}

func (d *networksDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m networksModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	re := compileRegex(m.NameRegex, "name_regex", &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	snap := d.data.snapshot(ctx, &resp.Diagnostics, "ceso_networks")
	if snap == nil {
		return
	}
	dc := d.data.datacenterScope(m.Datacenter)
	m.Networks = []networkFields{}
	for _, n := range snap.Networks {
		if inScope(n.Datacenter, dc) && matches(re, n.Name) {
			m.Networks = append(m.Networks, newNetworkFields(n))
		}
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
