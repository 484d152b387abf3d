package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/resource"
)

// planAndState reads a ModifyPlan request's plan and prior state into
// models, each left zero when it is null (a create has no state, a destroy
// no plan), and reports whether both were read without error.
func planAndState[M any](ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) (plan, state M, ok bool) {
	if !req.State.Raw.IsNull() {
		resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	}
	if !req.Plan.Raw.IsNull() {
		resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	}
	return plan, state, !resp.Diagnostics.HasError()
}
