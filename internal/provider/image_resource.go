package provider

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/esxi-commander/terraform-provider-ceso/internal/guard"
	"github.com/esxi-commander/terraform-provider-ceso/internal/image"
	"github.com/esxi-commander/terraform-provider-ceso/internal/policy"
)

var (
	_ resource.ResourceWithConfigure   = (*imageResource)(nil)
	_ resource.ResourceWithImportState = (*imageResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*imageResource)(nil)
)

// NewImageResource returns the ceso_image resource.
func NewImageResource() resource.Resource { return &imageResource{} }

type imageResource struct{ resourceData }

const imageType = "ceso_image"

// images returns the image domain API, or reports that no host is configured.
func (d *providerData) images(diags *diag.Diagnostics) *image.Manager {
	if d == nil || d.client == nil {
		noHostConfigured(diags, "Images are deployed to an ESXi host or vCenter.")
		return nil
	}
	return image.New(d.client)
}

// addImageError reports a domain error on the attribute it blames.
func addImageError(diags *diag.Diagnostics, summary string, err error) {
	if fe, ok := image.AsFieldError(err); ok && fe.Field != "id" {
		diags.AddAttributeError(path.Root(fe.Field), fe.Summary, fe.Detail)
		return
	}
	diags.AddError(summary, err.Error())
}

func (r *imageResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_image"
}

func (r *imageResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = imageSchema(ctx)
}

// ModifyPlan warns about a change the guard will refuse and, for a new
// image, checks at plan time what can be checked without deploying: the
// placement, the free name, the source and its descriptor against the
// network mappings and properties, and the datastore's free space.
func (r *imageResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	var plan, state imageModel
	if !req.State.Raw.IsNull() {
		resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	}
	if req.Plan.Raw.IsNull() {
		r.data.guardPlan(req, resp, imageType, state.Name.ValueString(), state.ID.ValueString(), policy.ActionImageDelete)
		return
	}
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	object := plan.Name.ValueString()
	replace := !req.State.Raw.IsNull() && plan.replaces(&state)
	switch {
	case req.State.Raw.IsNull():
		op := guard.Op{ResourceType: imageType, Object: object, Action: policy.ActionImageImport}
		if r.data != nil && r.data.client != nil && known(plan.Name) {
			// An interrupted import of this name will be removed first: a
			// VM this state did not create, shown as its own effect.
			if uuid, _ := r.data.images(&resp.Diagnostics).Leftover(ctx, object, r.data.datacenterScope(plan.Datacenter)); uuid != "" {
				op.Effects = append(op.Effects, policy.ActionAdoptExisting)
			}
		}
		r.data.warnIfRefused(&resp.Diagnostics, op)
	case replace:
		r.data.warnIfRefused(&resp.Diagnostics, guard.Op{ResourceType: imageType, Object: state.Name.ValueString(), ID: state.ID.ValueString(), Action: policy.ActionImageDelete})
		r.data.warnIfRefused(&resp.Diagnostics, guard.Op{ResourceType: imageType, Object: object, Action: policy.ActionImageImport})
	default:
		r.data.guardPlan(req, resp, imageType, object, state.ID.ValueString(), policy.ActionImageDelete)
		return
	}
	// The configuration, not the plan: an unset datastore or folder is
	// unknown in the plan (computed) but null, "not set", in the configuration.
	var cfg imageModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() || r.data == nil || r.data.client == nil || !cfg.planKnown() {
		return
	}
	spec := cfg.spec(ctx, r.data.datacenter, &resp.Diagnostics)
	if replace && spec.Name == state.Name.ValueString() {
		return // the old image still holds the name until it is destroyed
	}
	if err := r.data.images(&resp.Diagnostics).Check(ctx, spec); err != nil {
		addImageError(&resp.Diagnostics, "Cannot Deploy Image", err)
	}
}

func (r *imageResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan imageModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	api := r.data.images(&resp.Diagnostics)
	if resp.Diagnostics.HasError() || api == nil {
		return
	}
	timeout, d := plan.Timeouts.Create(ctx, 2*time.Hour)
	resp.Diagnostics.Append(d...)
	spec := plan.spec(ctx, r.data.datacenter, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	// Removing the leftover of an interrupted import of this name destroys
	// a VM this state did not create: decided on its own, as adopt_existing.
	api.ConfirmRemove = func(ctx context.Context, uuid, path string) error {
		return r.data.guard.Check(ctx, guard.Op{ResourceType: imageType, Object: spec.Name, ID: uuid, Action: policy.ActionAdoptExisting,
			Details: map[string]any{"existing_uuid": uuid, "path": path, "effect": "remove an interrupted import"}})
	}
	var img *image.Image
	var fieldErr error
	op := guard.Op{ResourceType: imageType, Object: spec.Name, Action: policy.ActionImageImport, Details: map[string]any{
		"source": spec.Source, "source_sha256": spec.SourceSHA256, "datastore": spec.Datastore, "template": spec.Template}}
	var gd diag.Diagnostics
	ok := r.data.guarded(ctx, &gd, op, "Cannot Deploy Image", func(ctx context.Context) error {
		var err error
		img, err = api.Import(ctx, spec, func(p image.Progress) {
			tflog.Info(ctx, "image upload progress", map[string]any{"image": spec.Name, "percent": p.Percent, "bytes": p.Bytes, "total_bytes": p.Total})
		})
		if _, isField := image.AsFieldError(err); isField {
			fieldErr = err
		}
		return err
	})
	if !ok && fieldErr != nil {
		addImageError(&resp.Diagnostics, "Cannot Deploy Image", fieldErr) // on the attribute to blame
		return
	}
	resp.Diagnostics.Append(gd...)
	if !ok {
		return
	}
	for _, w := range img.Warnings {
		resp.Diagnostics.AddWarning("Host Warning About The OVF Package", w)
	}
	plan.fill(img, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// Read refreshes what the host reports; an image deleted outside Terraform
// leaves the state, and the next plan deploys it again.
func (r *imageResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state imageModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	api := r.data.images(&resp.Diagnostics)
	if resp.Diagnostics.HasError() || api == nil {
		return
	}
	img, err := api.Read(ctx, state.ID.ValueString())
	if image.IsNotFound(err) {
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		resp.Diagnostics.AddError("Cannot Read Image", err.Error())
		return
	}
	if state.Source.IsNull() {
		state.adopt(img)
	}
	state.fill(img, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// Update changes the template flag in place, and records the inputs of an
// imported image (every other change replaces it).
func (r *imageResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state imageModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	api := r.data.images(&resp.Diagnostics)
	if resp.Diagnostics.HasError() || api == nil {
		return
	}
	uuid := state.UUID.ValueString()
	flip := !plan.Template.Equal(state.Template)
	var img *image.Image
	op := guard.Op{ResourceType: imageType, Object: plan.Name.ValueString(), ID: uuid, StateName: state.Name.ValueString(),
		Current: currentImageName(api, uuid), Action: policy.ActionUpdate,
		Details: map[string]any{"uuid": uuid, "template": plan.Template.ValueBool(), "adopted": state.Source.IsNull()}}
	ok := r.data.guarded(ctx, &resp.Diagnostics, op, "Cannot Update Image", func(ctx context.Context) error {
		var err error
		if flip {
			img, err = api.SetTemplate(ctx, uuid, plan.Template.ValueBool())
		} else {
			img, err = api.Read(ctx, uuid)
		}
		return err
	})
	if !ok {
		return
	}
	if !known(plan.Datastore) {
		plan.Datastore = state.Datastore
	}
	if !known(plan.Folder) {
		plan.Folder = state.Folder
	}
	plan.fill(img, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// Delete removes the image and its files: a destructive action.
func (r *imageResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state imageModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	api := r.data.images(&resp.Diagnostics)
	if resp.Diagnostics.HasError() || api == nil {
		return
	}
	ctx, cancel := within(ctx, &resp.Diagnostics, state.Timeouts.Delete, 10*time.Minute)
	defer cancel()
	op := guard.Op{ResourceType: imageType, Object: state.Name.ValueString(), ID: state.UUID.ValueString(), StateName: state.Name.ValueString(),
		Current: currentImageName(api, state.UUID.ValueString()), Action: policy.ActionImageDelete,
		Details: map[string]any{"uuid": state.UUID.ValueString(), "path": state.Path.ValueString()}}
	r.data.guarded(ctx, &resp.Diagnostics, op, "Cannot Delete Image", func(ctx context.Context) error {
		return api.Delete(ctx, state.UUID.ValueString())
	})
}

// ImportState accepts a UUID, an inventory path or a unique name.
func (r *imageResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	api := r.data.images(&resp.Diagnostics)
	if api == nil {
		return
	}
	img, err := api.Lookup(ctx, strings.TrimSpace(req.ID), r.data.datacenterScope(types.StringNull()))
	if err != nil {
		resp.Diagnostics.AddError("Cannot Import Image",
			fmt.Sprintf("%v. Import takes the instance UUID, inventory path (e.g. /ha-datacenter/vm/ubuntu-24.04) or unique name of a VM or template.", err))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), img.UUID)...)
}

// currentImageName looks the image up by UUID inside a guarded call, so the
// guard decides on its name on the host ("" when it is gone).
func currentImageName(api *image.Manager, uuid string) func(context.Context) (string, error) {
	return func(ctx context.Context) (string, error) {
		img, err := api.Read(ctx, uuid)
		if image.IsNotFound(err) {
			return "", nil
		}
		if err != nil {
			return "", err
		}
		return img.Name, nil
	}
}
