package provider

import (
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"

	"github.com/esxi-commander/terraform-provider-ceso/internal/esxi"
)

// addDomainError reports a domain error on the attribute it blames (an
// esxi.FieldError, which the domain packages share), or under summary.
func addDomainError(diags *diag.Diagnostics, summary string, err error) {
	if fe, ok := esxi.AsFieldError(err); ok {
		diags.AddAttributeError(path.Root(fe.Field), fe.Summary, fe.Detail)
		return
	}
	diags.AddError(summary, err.Error())
}
