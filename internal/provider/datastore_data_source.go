package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/esxi"
)

var (
	_ datasource.DataSourceWithConfigure = (*datastoreDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*datastoresDataSource)(nil)
)

// NewDatastoreDataSource returns the ceso_datastore data source.
func NewDatastoreDataSource() datasource.DataSource { return &datastoreDataSource{} }

// NewDatastoresDataSource returns the ceso_datastores data source.
func NewDatastoresDataSource() datasource.DataSource { return &datastoresDataSource{} }

type datastoreDataSource struct{ dataSourceData }
type datastoresDataSource struct{ dataSourceData }

// datastoreFields are the attributes both data sources report per datastore.
type datastoreFields struct {
	ID            types.String `tfsdk:"id"`
	Name          types.String `tfsdk:"name"`
	Path          types.String `tfsdk:"path"`
	Datacenter    types.String `tfsdk:"datacenter"`
	Type          types.String `tfsdk:"type"`
	URL           types.String `tfsdk:"url"`
	CapacityBytes types.Int64  `tfsdk:"capacity_bytes"`
	FreeBytes     types.Int64  `tfsdk:"free_bytes"`
	Accessible    types.Bool   `tfsdk:"accessible"`
}

func newDatastoreFields(d esxi.Datastore) datastoreFields {
	return datastoreFields{ID: types.StringValue(d.Ref.Value), Name: types.StringValue(d.Name), Path: types.StringValue(d.Path),
		Datacenter: types.StringValue(d.Datacenter), Type: types.StringValue(d.Type), URL: types.StringValue(d.URL),
		CapacityBytes: types.Int64Value(d.Capacity), FreeBytes: types.Int64Value(d.FreeSpace), Accessible: types.BoolValue(d.Accessible)}
}

func datastoreAttributes(nameOptional bool) map[string]schema.Attribute {
	a := map[string]schema.Attribute{
		"id":             schema.StringAttribute{Computed: true, MarkdownDescription: "Managed object ID."},
		"name":           schema.StringAttribute{Computed: true, MarkdownDescription: "Datastore name."},
		"path":           schema.StringAttribute{Computed: true, MarkdownDescription: "Inventory path."},
		"datacenter":     schema.StringAttribute{Computed: true, MarkdownDescription: "Datacenter the datastore belongs to."},
		"type":           schema.StringAttribute{Computed: true, MarkdownDescription: "File system type: `VMFS`, `NFS`, `vsan`, `OTHER`..."},
		"url":            schema.StringAttribute{Computed: true, MarkdownDescription: "Datastore URL."},
		"capacity_bytes": schema.Int64Attribute{Computed: true, MarkdownDescription: "Capacity in bytes."},
		"free_bytes":     schema.Int64Attribute{Computed: true, MarkdownDescription: "Free space in bytes."},
		"accessible":     schema.BoolAttribute{Computed: true, MarkdownDescription: "Whether the datastore is accessible."},
	}
	if nameOptional {
		a["name"] = schema.StringAttribute{Required: true, MarkdownDescription: "Datastore name or inventory path."}
		a["datacenter"] = schema.StringAttribute{Optional: true, Computed: true,
			MarkdownDescription: "Datacenter to search on vCenter (default: the provider's `datacenter`)."}
	}
	return a
}

func (d *datastoreDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_datastore"
}

func (d *datastoreDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{MarkdownDescription: "One datastore by name or path: type, capacity, free space, accessibility.",
		Attributes: datastoreAttributes(true)}
}

func (d *datastoreDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m datastoreFields
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	snap := d.data.snapshot(ctx, &resp.Diagnostics, "ceso_datastore")
	if snap == nil {
		return
	}
	ds, err := snap.FindDatastore(m.Name.ValueString(), d.data.datacenterScope(m.Datacenter))
	if err != nil {
		lookupError(&resp.Diagnostics, "name", err)
		return
	}
	out := newDatastoreFields(ds)
	out.Name = m.Name // keep the configured spelling (name or path) so the config stays consistent
	resp.Diagnostics.Append(resp.State.Set(ctx, &out)...)
}

type datastoresModel struct {
	Datacenter types.String      `tfsdk:"datacenter"`
	NameRegex  types.String      `tfsdk:"name_regex"`
	Datastores []datastoreFields `tfsdk:"datastores"`
}

func (d *datastoresDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_datastores"
}

func (d *datastoresDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Every datastore (of a datacenter on vCenter), with capacity and free space, read in one batched call.",
		Attributes: map[string]schema.Attribute{
			"datacenter": schema.StringAttribute{Optional: true, MarkdownDescription: "Only datastores of this datacenter (vCenter; default: the provider's `datacenter`)."},
			"name_regex": schema.StringAttribute{Optional: true, MarkdownDescription: "Only datastores whose name matches this regular expression (RE2)."},
			"datastores": schema.ListNestedAttribute{Computed: true, MarkdownDescription: "The datastores, sorted by path.",
				NestedObject: schema.NestedAttributeObject{Attributes: datastoreAttributes(false)}},
		},
	}
}

func (d *datastoresDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m datastoresModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	re := compileRegex(m.NameRegex, "name_regex", &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	snap := d.data.snapshot(ctx, &resp.Diagnostics, "ceso_datastores")
	if snap == nil {
		return
	}
	dc := d.data.datacenterScope(m.Datacenter)
	m.Datastores = []datastoreFields{}
	for _, ds := range snap.Datastores {
		if inScope(ds.Datacenter, dc) && matches(re, ds.Name) {
			m.Datastores = append(m.Datastores, newDatastoreFields(ds))
		}
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

func inScope(dc, want string) bool { return want == "" || dc == want }
