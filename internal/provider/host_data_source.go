package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

var _ datasource.DataSourceWithConfigure = (*hostDataSource)(nil)

// NewHostDataSource returns the ceso_host data source.
func NewHostDataSource() datasource.DataSource { return &hostDataSource{} }

type hostDataSource struct{ dataSourceData }

type hostModel struct {
	Name             types.String `tfsdk:"name"`
	Datacenter       types.String `tfsdk:"datacenter"`
	ID               types.String `tfsdk:"id"`
	Path             types.String `tfsdk:"path"`
	Cluster          types.String `tfsdk:"cluster"`
	Product          types.String `tfsdk:"product"`
	FullName         types.String `tfsdk:"full_name"`
	Version          types.String `tfsdk:"version"`
	Build            types.String `tfsdk:"build"`
	IsVCenter        types.Bool   `tfsdk:"is_vcenter"`
	Licence          types.String `tfsdk:"licence"`
	FreeLicence      types.Bool   `tfsdk:"free_licence"`
	CPUCores         types.Int64  `tfsdk:"cpu_cores"`
	CPUThreads       types.Int64  `tfsdk:"cpu_threads"`
	CPUCapacityMhz   types.Int64  `tfsdk:"cpu_capacity_mhz"`
	CPUUsageMhz      types.Int64  `tfsdk:"cpu_usage_mhz"`
	MemoryBytes      types.Int64  `tfsdk:"memory_bytes"`
	MemoryUsageBytes types.Int64  `tfsdk:"memory_usage_bytes"`
	ConnectionState  types.String `tfsdk:"connection_state"`
	MaintenanceMode  types.Bool   `tfsdk:"maintenance_mode"`
	PowerState       types.String `tfsdk:"power_state"`
	UptimeSeconds    types.Int64  `tfsdk:"uptime_seconds"`
}

func (d *hostDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_host"
}

func (d *hostDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	computed := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{Computed: true, MarkdownDescription: desc}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Facts about the ESXi host: product, version, licence, capacity and usage, connection and maintenance state. " +
			"On vCenter, name the host (or leave `name` empty when there is exactly one).",
		Attributes: map[string]schema.Attribute{
			"name": schema.StringAttribute{Optional: true, Computed: true,
				MarkdownDescription: "Host name or inventory path. Empty: the only host (always the case on a standalone ESXi host)."},
			"datacenter": schema.StringAttribute{Optional: true,
				MarkdownDescription: "Datacenter to search on vCenter (default: the provider's `datacenter`)."},
			"id":                 computed("Managed object ID of the host."),
			"path":               computed("Inventory path of the host."),
			"cluster":            computed("Cluster the host belongs to (vCenter), empty for a standalone host."),
			"product":            computed("`ESXi` or `vCenter Server`: the endpoint the provider is connected to."),
			"full_name":          computed("Full product name of the host, e.g. `VMware ESXi 8.0.2 build-22380479`."),
			"version":            computed("Product version of the host."),
			"build":              computed("Build number of the host."),
			"is_vcenter":         schema.BoolAttribute{Computed: true, MarkdownDescription: "Whether the provider is connected to vCenter."},
			"licence":            computed("Name of the licence of the endpoint; null when the account may not read licences (a warning says so)."),
			"free_licence":       schema.BoolAttribute{Computed: true, MarkdownDescription: "Whether the host runs the free vSphere Hypervisor licence, which refuses every API write; null when the account may not read licences."},
			"cpu_cores":          schema.Int64Attribute{Computed: true, MarkdownDescription: "Physical CPU cores."},
			"cpu_threads":        schema.Int64Attribute{Computed: true, MarkdownDescription: "CPU threads."},
			"cpu_capacity_mhz":   schema.Int64Attribute{Computed: true, MarkdownDescription: "Total CPU capacity in MHz (cores × core speed)."},
			"cpu_usage_mhz":      schema.Int64Attribute{Computed: true, MarkdownDescription: "CPU in use, in MHz."},
			"memory_bytes":       schema.Int64Attribute{Computed: true, MarkdownDescription: "Physical memory in bytes."},
			"memory_usage_bytes": schema.Int64Attribute{Computed: true, MarkdownDescription: "Memory in use, in bytes."},
			"connection_state":   computed("`connected`, `disconnected` or `notResponding`."),
			"maintenance_mode":   schema.BoolAttribute{Computed: true, MarkdownDescription: "Whether the host is in maintenance mode."},
			"power_state":        computed("Power state of the host."),
			"uptime_seconds":     schema.Int64Attribute{Computed: true, MarkdownDescription: "Seconds since the host booted."},
		},
	}
}

func (d *hostDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m hostModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	snap := d.data.snapshot(ctx, &resp.Diagnostics, "ceso_host")
	if snap == nil {
		return
	}
	h, err := snap.FindHost(m.Name.ValueString(), d.data.datacenterScope(m.Datacenter))
	if err != nil {
		lookupError(&resp.Diagnostics, "name", err)
		return
	}
	f := d.data.client.Facts()
	m.Name, m.ID, m.Path, m.Cluster = types.StringValue(h.Name), types.StringValue(h.Ref.Value), types.StringValue(h.Path), types.StringValue(h.Cluster)
	m.Product, m.IsVCenter, m.Licence, m.FreeLicence = types.StringValue(f.Product), types.BoolValue(f.IsVCenter), types.StringValue(f.LicenceName), types.BoolValue(f.FreeLicence)
	if f.LicenceUnknown {
		// The account may not read licences: unknown, not "none".
		m.Licence, m.FreeLicence = types.StringNull(), types.BoolNull()
	}
	m.FullName, m.Version, m.Build = types.StringValue(h.ProductName), types.StringValue(h.ProductVersion), types.StringValue(h.ProductBuild)
	if h.ProductVersion == "" { // some hosts leave summary.config.product empty; fall back to the endpoint's
		m.FullName, m.Version, m.Build = types.StringValue(f.FullName), types.StringValue(f.Version), types.StringValue(f.Build)
	}
	m.CPUCores, m.CPUThreads = types.Int64Value(int64(h.CPUCores)), types.Int64Value(int64(h.CPUThreads))
	m.CPUCapacityMhz, m.CPUUsageMhz = types.Int64Value(int64(h.CPUCores)*int64(h.CPUMhz)), types.Int64Value(int64(h.CPUUsageMhz))
	m.MemoryBytes, m.MemoryUsageBytes = types.Int64Value(h.MemoryBytes), types.Int64Value(int64(h.MemoryUsageMB)*1024*1024)
	m.ConnectionState, m.MaintenanceMode, m.PowerState = types.StringValue(h.ConnectionState), types.BoolValue(h.InMaintenance), types.StringValue(h.PowerState)
	m.UptimeSeconds = types.Int64Value(int64(h.Uptime))
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
