package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
)

// keepPrior is UseStateForUnknown for attributes inside list blocks: it
// carries the prior value over only when there is one. The framework's
// modifier copies a null prior value too, which for a newly added list
// element turns "known after apply" into null and then fails the apply.
type keepPrior struct{}

func (keepPrior) Description(context.Context) string {
	return "Keeps the prior value when the configuration does not set one."
}

func (k keepPrior) MarkdownDescription(ctx context.Context) string { return k.Description(ctx) }

func (keepPrior) PlanModifyString(_ context.Context, req planmodifier.StringRequest, resp *planmodifier.StringResponse) {
	if !req.StateValue.IsNull() && resp.PlanValue.IsUnknown() && !req.ConfigValue.IsUnknown() {
		resp.PlanValue = req.StateValue
	}
}

func (keepPrior) PlanModifyInt64(_ context.Context, req planmodifier.Int64Request, resp *planmodifier.Int64Response) {
	if !req.StateValue.IsNull() && resp.PlanValue.IsUnknown() && !req.ConfigValue.IsUnknown() {
		resp.PlanValue = req.StateValue
	}
}

func (keepPrior) PlanModifyBool(_ context.Context, req planmodifier.BoolRequest, resp *planmodifier.BoolResponse) {
	if !req.StateValue.IsNull() && resp.PlanValue.IsUnknown() && !req.ConfigValue.IsUnknown() {
		resp.PlanValue = req.StateValue
	}
}
