package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/guard"
	"github.com/esxi-commander/terraform-provider-ceso/internal/policy"
)

var (
	_ resource.Resource                   = (*cloudinitResource)(nil)
	_ resource.ResourceWithValidateConfig = (*cloudinitResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*cloudinitResource)(nil)
	_ resource.ResourceWithImportState    = (*cloudinitResource)(nil)
	_ resource.ResourceWithConfigure      = (*cloudinitResource)(nil)
)

// NewCloudinitResource returns the ceso_cloudinit resource: a pure render of
// a cloud-init payload, with no host calls. Its writes still pass the guard,
// so restricted mode refuses them like any other change and they are audited.
func NewCloudinitResource() resource.Resource { return &cloudinitResource{} }

type cloudinitResource struct{ resourceData }

// cloudinitOp names the guarded operation. A payload writes nothing to a
// host and the VM that uses it is not knowable here (any number may), so
// it is guarded by mode alone: restricted mode refuses it, standard allows
// every change of it, and a grant's scope (VM names) is never matched
// against its hostname. The hostname names it in the audit.
func cloudinitOp(ctx context.Context, src interface {
	GetAttribute(context.Context, path.Path, any) diag.Diagnostics
}, action policy.Action) guard.Op {
	var host types.String
	_ = src.GetAttribute(ctx, path.Root("hostname"), &host)
	return guard.Op{ResourceType: "ceso_cloudinit", Object: host.ValueString(), Unscoped: true, Action: action}
}

func (r *cloudinitResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_cloudinit"
}

func (r *cloudinitResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = cloudinitSchema()
	resp.Schema.MarkdownDescription += " Its changes are guarded by mode alone (restricted mode refuses them, standard allows them); " +
		"an elevation grant's scope, which names VMs, is not matched against its `hostname`. The `ceso_vm` that uses the payload is guarded by its own name."
}

func (r *cloudinitResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	validateCloudinitConfig(ctx, req.Config, &resp.Diagnostics)
}

// ModifyPlan renders the payload when every input is known, so the plan
// shows the new documents, hash and instance ID instead of "known after
// apply".
func (r *cloudinitResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	defer func() {
		if action, ok := plannedAction(req, resp, policy.ActionDiscard, false); ok {
			op := cloudinitOp(ctx, req.Plan, action)
			if req.Plan.Raw.IsNull() {
				op = cloudinitOp(ctx, req.State, action)
			}
			r.data.warnIfRefused(&resp.Diagnostics, op)
		}
	}()
	if req.Plan.Raw.IsNull() || !req.Config.Raw.IsFullyKnown() {
		return // destroy, or inputs known only at apply
	}
	var plan cloudinitModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &plan)...)
	var prior *cloudinitModel
	if !req.State.Raw.IsNull() {
		prior = &cloudinitModel{}
		resp.Diagnostics.Append(req.State.Get(ctx, prior)...)
	}
	if resp.Diagnostics.HasError() {
		return
	}
	plan.keepInstanceID(plan.InstanceID, prior)
	resp.Diagnostics.Append(plan.render(ctx, prior)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
}

func (r *cloudinitResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan cloudinitModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if r.renderGuarded(ctx, &plan, cloudinitOp(ctx, req.Plan, policy.ActionCreate), &resp.Diagnostics) {
		resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	}
}

// renderGuarded renders the planned payload through the guard (so
// restricted mode refuses it and the audit shows it) and reports success.
func (r *cloudinitResource) renderGuarded(ctx context.Context, plan *cloudinitModel, op guard.Op, diags *diag.Diagnostics) bool {
	planned := *plan
	return r.data.guarded(ctx, diags, op, "Cannot Render Cloud-init", func(ctx context.Context) error {
		diags.Append(plan.render(ctx, &planned)...)
		return diagError(*diags)
	})
}

// Read keeps the state: the payload lives only in it.
func (r *cloudinitResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state cloudinitModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *cloudinitResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, prior cloudinitModel
	var configured types.String
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &prior)...)
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("instance_id"), &configured)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if plan.InstanceID.IsUnknown() { // not rendered at plan time (inputs known only now)
		plan.keepInstanceID(configured, &prior)
	}
	if r.renderGuarded(ctx, &plan, cloudinitOp(ctx, req.Plan, policy.ActionUpdate), &resp.Diagnostics) {
		resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	}
}

// Delete only forgets the payload (nothing exists outside the state), but it
// passes the guard so restricted mode refuses it and the audit shows it.
func (r *cloudinitResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	r.data.guarded(ctx, &resp.Diagnostics, cloudinitOp(ctx, req.State, policy.ActionDiscard), "Cannot Delete Cloud-init",
		func(context.Context) error { return nil })
}

// ImportState refuses: the resource is pure configuration.
func (r *cloudinitResource) ImportState(_ context.Context, _ resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	resp.Diagnostics.AddError(summaryImportNotSupported, detailImportNotSupported)
}
