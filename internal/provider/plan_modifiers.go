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
// path with its name and folder): the prior value is kept unless the
// configuration sets one of them to another value or to one not known yet.
// The configuration is compared, not the plan: other attributes' plan
// modifiers may not have run yet, and an attribute the configuration leaves
// unset keeps its prior value (UseStateForUnknown).
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
		var configured, prior types.String
		resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root(name), &configured)...)
		resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root(name), &prior)...)
		if resp.Diagnostics.HasError() || configured.IsUnknown() || !configured.IsNull() && !configured.Equal(prior) {
			return
		}
	}
	resp.PlanValue = req.StateValue
}
