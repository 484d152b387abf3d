package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"

	"github.com/esxi-commander/terraform-provider-ceso/internal/esxi"
	"github.com/esxi-commander/terraform-provider-ceso/internal/guard"
	"github.com/esxi-commander/terraform-provider-ceso/internal/policy"
)

// plannedAction says what a plan will do to a resource, in the guard's terms;
// ok is false when the plan changes nothing. deleteAction is what removing
// this kind of resource means (delete, or discard for state-only objects);
// replace says the resource knows the change replaces it (the framework does
// not tell ModifyPlan which attribute plan modifiers asked for a replace).
func plannedAction(req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse, deleteAction policy.Action, replace bool) (policy.Action, bool) {
	switch {
	case req.Plan.Raw.IsNull():
		return deleteAction, true
	case req.State.Raw.IsNull():
		return policy.ActionCreate, true
	case replace:
		return policy.ActionReplace, true
	case !resp.Plan.Raw.Equal(req.State.Raw):
		return policy.ActionUpdate, true
	}
	return "", false
}

// warnIfRefused adds the plan-time warning for an action the guard will
// refuse at apply, so a reviewer sees it before approving the plan.
func (d *providerData) warnIfRefused(diags *diag.Diagnostics, op guard.Op) {
	if d == nil || d.guard == nil {
		return
	}
	dec := d.guard.Plan(op)
	if dec.Allowed {
		return
	}
	if errors.Is(dec.GrantErr, policy.ErrGrantNotInPlan) {
		// The grant approves another plan: stop this one before anything
		// is applied, rather than letting its approved parts run.
		diags.AddError(dec.Summary(), dec.Reason)
		return
	}
	diags.AddWarning("Apply Will Refuse This Change", dec.Summary()+": "+dec.Reason)
}

// guardPlan is the ModifyPlan step every resource shares: work out the action
// and warn if the guard will refuse it. object names what a grant's scope is
// matched against (a VM name); id is the object's identity, which a
// plan-bound grant lists (empty for a new object: object stands for it).
func (d *providerData) guardPlan(req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse, resourceType, object, id string, deleteAction policy.Action) {
	if action, ok := plannedAction(req, resp, deleteAction, false); ok {
		d.warnIfRefused(&resp.Diagnostics, guard.Op{ResourceType: resourceType, Object: object, ID: id, Action: action})
	}
}

// guarded runs fn through the guard and turns a refusal or failure into an
// error diagnostic with the given summary. It reports whether fn succeeded.
func (d *providerData) guarded(ctx context.Context, diags *diag.Diagnostics, op guard.Op, summary string, fn func(context.Context) error) bool {
	if d == nil || d.guard == nil {
		diags.AddError("Provider Not Configured", "The provider was not configured before "+string(op.Action)+"; this is a bug in the provider.")
		return false
	}
	err := d.guard.Do(ctx, op, fn)
	if err == nil {
		return true
	}
	var refused *guard.RefusedError
	if errors.As(err, &refused) {
		diags.AddError("Refused: "+refused.Summary(), refused.Error())
		return false
	}
	if esxi.KindOf(err) == esxi.KindFreeLicence && d.client != nil && d.client.Facts().FreeLicence {
		freeLicenceRefusal(diags, op)
		return false
	}
	diags.AddError(summary, err.Error())
	return false
}

// freeLicenceRefusal is the error of one write to a host that runs the free
// licence. The configure warning "Free ESXi Licence" explains it and what
// to do, once (the CLI folds the same warning of every configure into
// one); each refused resource says so in one sentence instead of repeating
// the paragraph.
func freeLicenceRefusal(diags *diag.Diagnostics, op guard.Op) {
	diags.AddError("Host Refuses Changes", fmt.Sprintf(
		"The %s of %s %q was not attempted: the host runs the free vSphere Hypervisor licence, which refuses every change made through the API. "+
			"See the warning \"Free ESXi Licence\" for what to do.", op.Action, op.ResourceType, op.Object))
}

// diagError turns error diagnostics into an error for the guard's outcome
// record; the diagnostics themselves still reach the user.
func diagError(diags diag.Diagnostics) error {
	if !diags.HasError() {
		return nil
	}
	var msgs []string
	for _, d := range diags.Errors() {
		msgs = append(msgs, d.Summary()+": "+d.Detail())
	}
	return errors.New(strings.Join(msgs, "; "))
}
