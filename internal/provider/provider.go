// Package provider translates between Terraform and ceso's domain packages.
// It holds schemas, models and thin CRUD glue; behaviour lives in
// internal/esxi, internal/cloudinit and the other domain packages.
package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/resource"
)

var _ provider.Provider = (*cesoProvider)(nil)

// cesoProvider is the ceso provider; version is set by main from ldflags.
type cesoProvider struct {
	version string
	opened  *opened // what Configure opened, closed by Instance.Shutdown
}

// New returns a constructor for the provider, as providerserver expects.
// What it opens is closed when the process ends; a process that can say
// when it stops serving uses NewInstance and Shutdown instead.
func New(version string) func() provider.Provider {
	return NewInstance(version).Factory
}

// Instance is the provider of one serving process.
type Instance struct {
	p *cesoProvider
}

// NewInstance returns the provider a process serves.
func NewInstance(version string) *Instance {
	return &Instance{p: &cesoProvider{version: version, opened: &opened{}}}
}

// Factory returns the instance's provider, as providerserver expects.
func (i *Instance) Factory() provider.Provider { return i.p }

// Shutdown logs out every session the instance opened and closes its
// guards (a final metrics push, the audit file closed). main calls it after
// the plugin server stops.
func (i *Instance) Shutdown(ctx context.Context) { i.p.opened.close(ctx) }

func (p *cesoProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "ceso"
	resp.Version = p.version
}

func (p *cesoProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = providerSchema()
}

func (p *cesoProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var cfg providerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	data, diags := configure(ctx, cfg, p.version, p.opened)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.DataSourceData = data
	resp.ResourceData = data
}

func (p *cesoProvider) Resources(_ context.Context) []func() resource.Resource {
	return []func() resource.Resource{
		NewCloudinitResource,
		NewVMResource,
		NewBackupResource(p.version),
		NewRestoreResource,
		NewSnapshotResource,
		NewVSwitchResource,
		NewPortGroupResource,
		NewVirtualDiskResource,
		NewImageResource,
		NewDatastoreFileResource,
	}
}

func (p *cesoProvider) DataSources(_ context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{
		NewHostDataSource,
		NewDatastoresDataSource,
		NewDatastoreDataSource,
		NewNetworksDataSource,
		NewNetworkDataSource,
		NewVMsDataSource,
		NewVMDataSource,
		NewTemplatesDataSource,
		NewCloudinitDataSource,
		NewBackupsDataSource,
	}
}
