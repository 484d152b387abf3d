package provider

import (
	"context"
	"errors"
	"fmt"
	"regexp"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/esxi-commander/terraform-provider-ceso/internal/esxi"
)

// providerDataFrom unpacks what Configure handed over; nil before Configure
// has run (the framework calls Configure on objects more than once).
func providerDataFrom(data any, diags *diag.Diagnostics) *providerData {
	if data == nil {
		return nil
	}
	pd, ok := data.(*providerData)
	if !ok {
		diags.AddError("Unexpected Provider Data",
			fmt.Sprintf("Expected *providerData, got %T. This is a bug in the provider; please report it.", data))
		return nil
	}
	return pd
}

// snapshot returns the shared inventory read, or an error when no host is
// configured. The fetch from the host passes the guard, which audits and
// counts it (the AroundFetch hook of Configure): one read record per batched
// read however many data sources it serves, so a refresh writes one read
// record, not one fsynced record per data source. A data source served from
// that read reads nothing more from the host and writes no record of its own.
func (d *providerData) snapshot(ctx context.Context, diags *diag.Diagnostics, typeName string) *esxi.Snapshot {
	if d == nil || d.client == nil {
		noHostConfigured(diags, "This data source reads an ESXi host or vCenter.")
		return nil
	}
	s, err := d.client.Inventory.Get(ctx)
	if err != nil {
		diags.AddError("Cannot Read Inventory", err.Error())
		return nil
	}
	tflog.Trace(ctx, "data source served from the shared inventory read", map[string]any{
		"data_source": typeName, "inventory_fetched": s.Fetched})
	return s
}

// datacenterScope returns the datacenter to filter by: the data source's own
// value, else the provider default on vCenter, else none (a standalone host
// has exactly one datacenter).
func (d *providerData) datacenterScope(v types.String) string {
	if !v.IsNull() && v.ValueString() != "" {
		return v.ValueString()
	}
	if d != nil && d.client != nil && d.client.Facts().IsVCenter {
		return d.datacenter
	}
	return ""
}

// compileRegex compiles an optional filter, reporting a bad pattern on attr.
func compileRegex(v types.String, attr string, diags *diag.Diagnostics) *regexp.Regexp {
	re, err := esxi.CompileFilter(v.ValueString())
	if err != nil {
		diags.AddAttributeError(path.Root(attr), "Invalid Regular Expression",
			fmt.Sprintf("%q is not a valid regular expression (RE2 syntax): %v", v.ValueString(), err))
	}
	return re
}

func matches(re *regexp.Regexp, s string) bool { return re == nil || re.MatchString(s) }

// lookupError reports a failed lookup on the attribute that was searched.
func lookupError(diags *diag.Diagnostics, attr string, err error) {
	summary := "Not Found"
	var le *esxi.LookupError
	if errors.As(err, &le) && le.Ambiguous() {
		summary = "Several Objects Match"
	}
	diags.AddAttributeError(path.Root(attr), summary, err.Error())
}

func stringList(in []string) []types.String {
	out := make([]types.String, 0, len(in))
	for _, s := range in {
		out = append(out, types.StringValue(s))
	}
	return out
}
