package provider

import (
	"context"
	"time"

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

// within gives ctx the operation's time limit: the one the timeouts block
// sets (timeout is its Create, Update or Delete), else def.
func within(ctx context.Context, diags *diag.Diagnostics, timeout func(context.Context, time.Duration) (time.Duration, diag.Diagnostics), def time.Duration) (context.Context, context.CancelFunc) {
	t, d := timeout(ctx, def)
	diags.Append(d...)
	return context.WithTimeout(ctx, t)
}
