package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/resource"
)

var (
	_ resource.Resource                   = (*cloudinitResource)(nil)
	_ resource.ResourceWithValidateConfig = (*cloudinitResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*cloudinitResource)(nil)
	_ resource.ResourceWithImportState    = (*cloudinitResource)(nil)
)

// NewCloudinitResource returns the ceso_cloudinit resource: a pure render of
// a cloud-init payload, with no host calls.
func NewCloudinitResource() resource.Resource { return &cloudinitResource{} }

type cloudinitResource struct{}

func (r *cloudinitResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_cloudinit"
}

func (r *cloudinitResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = cloudinitSchema()
}

func (r *cloudinitResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	validateCloudinitConfig(ctx, req.Config, &resp.Diagnostics)
}

// ModifyPlan renders the payload when every input is known, so the plan
// shows the new documents, hash and instance ID instead of "known after
// apply".
func (r *cloudinitResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
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
	planned := plan
	resp.Diagnostics.Append(plan.render(ctx, &planned)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
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
	var plan cloudinitModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	planned := plan
	resp.Diagnostics.Append(plan.render(ctx, &planned)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *cloudinitResource) Delete(_ context.Context, _ resource.DeleteRequest, _ *resource.DeleteResponse) {
	// Nothing exists outside the state; the framework removes it.
}

// ImportState refuses: the resource is pure configuration.
func (r *cloudinitResource) ImportState(_ context.Context, _ resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	resp.Diagnostics.AddError(summaryImportNotSupported, detailImportNotSupported)
}
