package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
)

// resourceData is embedded by every resource that talks to a host: its
// Configure keeps the provider's data (nil until the provider is
// configured, and when no host is set).
type resourceData struct{ data *providerData }

func (c *resourceData) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	c.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

// dataSourceData is resourceData for data sources.
type dataSourceData struct{ data *providerData }

func (c *dataSourceData) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	c.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

// noHostConfigured reports that what needs a host the provider block does
// not name; what says what needs it ("Backups are made on an ESXi host or
// vCenter.").
func noHostConfigured(diags *diag.Diagnostics, what string) {
	diags.AddError("No Host Configured",
		what+" Set host, username and password in the provider block (or CESO_HOST, CESO_USERNAME, CESO_PASSWORD).")
}
