package provider

import (
	"context"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// keepWhenUnchanged is UseStateForUnknown for a computed attribute that
// changes only with the named root string attributes (a VM's inventory
// path with its name and folder): the prior value is kept unless one of
// them changes or is unknown.
type keepWhenUnchanged []string

func (k keepWhenUnchanged) Description(context.Context) string {
	return "Keeps the prior value unless " + strings.Join(k, " or ") + " changes."
}

func (k keepWhenUnchanged) MarkdownDescription(ctx context.Context) string { return k.Description(ctx) }

func (k keepWhenUnchanged) PlanModifyString(ctx context.Context, req planmodifier.StringRequest, resp *planmodifier.StringResponse) {
	if req.StateValue.IsNull() || !resp.PlanValue.IsUnknown() {
		return
	}
	for _, name := range k {
		var planned, prior types.String
		resp.Diagnostics.Append(req.Plan.GetAttribute(ctx, path.Root(name), &planned)...)
		resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root(name), &prior)...)
		if resp.Diagnostics.HasError() || planned.IsUnknown() || !planned.Equal(prior) {
			return
		}
	}
	resp.PlanValue = req.StateValue
}
