package provider

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/guard"
	"github.com/esxi-commander/terraform-provider-ceso/internal/policy"
	"github.com/esxi-commander/terraform-provider-ceso/internal/virtualdisk"
)

var (
	_ resource.ResourceWithConfigure   = (*virtualDiskResource)(nil)
	_ resource.ResourceWithImportState = (*virtualDiskResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*virtualDiskResource)(nil)
)

// NewVirtualDiskResource returns the ceso_virtual_disk resource.
func NewVirtualDiskResource() resource.Resource { return &virtualDiskResource{} }

type virtualDiskResource struct{ resourceData }

const virtualDiskType = "ceso_virtual_disk"

var vmdkPathPattern = regexp.MustCompile(`^\[[^\]]+\] ?[^\s].*\.vmdk$`)

type virtualDiskModel struct {
	ID           types.String   `tfsdk:"id"`
	Path         types.String   `tfsdk:"path"`
	SizeGiB      types.Int64    `tfsdk:"size_gib"`
	Provisioning types.String   `tfsdk:"provisioning"`
	AdapterType  types.String   `tfsdk:"adapter_type"`
	Timeouts     timeouts.Value `tfsdk:"timeouts"`
}

func (r *virtualDiskResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_virtual_disk"
}

func (r *virtualDiskResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	replace := []planmodifier.String{stringplanmodifier.RequiresReplace()}
	tb := timeouts.Block(ctx, timeouts.Opts{Create: true, Update: true})
	if nb, ok := tb.(schema.SingleNestedBlock); ok {
		nb.MarkdownDescription = "How long making (`create`, default 30m: an eager-zeroed disk writes every block) and growing (`update`, default 30m) the disk may take."
		tb = nb
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "A virtual disk (VMDK) on a datastore that belongs to no VM, made with the VirtualDiskManager, so its data outlives the VMs that use it. " +
			"Growing `size_gib` extends it in place; shrinking is refused at plan. Destroying it deletes its files, a destructive action, refused while a VM has it attached.",
		Attributes: map[string]schema.Attribute{
			"id": readOnlyString("The disk's datastore path."),
			"path": schema.StringAttribute{Required: true, PlanModifiers: replace,
				MarkdownDescription: "Datastore path of the disk's descriptor, `[datastore] folder/name.vmdk`. A missing folder is made.",
				Validators:          []validator.String{stringvalidator.RegexMatches(vmdkPathPattern, `must be "[datastore] folder/name.vmdk"`)}},
			"size_gib": schema.Int64Attribute{Required: true,
				MarkdownDescription: "Capacity in GiB. Growing it extends the disk in place (the guest then grows its file systems); shrinking is refused.",
				Validators:          []validator.Int64{int64validator.AtLeast(1)}},
			"provisioning": schema.StringAttribute{Optional: true, Computed: true, Default: stringdefault.StaticString("thin"), PlanModifiers: replace,
				MarkdownDescription: "`thin` (default), `thick` (lazily zeroed) or `eager_zeroed` (needed for clustering and Fault Tolerance).",
				Validators:          []validator.String{stringvalidator.OneOf("thin", "thick", "eager_zeroed")}},
			"adapter_type": schema.StringAttribute{Optional: true, Computed: true, Default: stringdefault.StaticString("lsiLogic"), PlanModifiers: replace,
				MarkdownDescription: "Adapter type recorded in the disk: `lsiLogic` (default), `busLogic` or `ide`. A VM can attach the disk to any SCSI controller either way.",
				Validators:          []validator.String{stringvalidator.OneOf("lsiLogic", "busLogic", "ide")}},
		},
		Blocks: map[string]schema.Block{"timeouts": tb},
	}
}

func (m *virtualDiskModel) want() virtualdisk.Disk {
	return virtualdisk.Disk{Path: m.Path.ValueString(), SizeGiB: m.SizeGiB.ValueInt64(), Provisioning: m.Provisioning.ValueString(), AdapterType: m.AdapterType.ValueString()}
}

func (m *virtualDiskModel) fill(d *virtualdisk.Disk) {
	m.ID, m.Path, m.SizeGiB = types.StringValue(d.Path), types.StringValue(d.Path), types.Int64Value(d.SizeGiB)
	if d.Provisioning != "" {
		m.Provisioning = types.StringValue(d.Provisioning)
	}
	if d.AdapterType != "" {
		m.AdapterType = types.StringValue(d.AdapterType)
	}
}

// ModifyPlan refuses a shrink, a path already taken, and deleting a disk a
// VM has attached (naming the VMs), before anything changes.
func (r *virtualDiskResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	plan, state, ok := planAndState[virtualDiskModel](ctx, req, resp)
	if !ok || r.data == nil || r.data.disks == nil {
		return
	}
	api, dc := r.data.disks, r.data.datacenterScope(types.StringNull())
	replaced := !req.State.Raw.IsNull() && !req.Plan.Raw.IsNull() && len(diskReplaceReasons(&state, &plan)) > 0
	if req.Plan.Raw.IsNull() || replaced {
		users, err := api.Users(ctx, dc, state.Path.ValueString())
		var staying []string
		for _, u := range users {
			if !r.data.isLeaving(u) {
				staying = append(staying, u)
			}
		}
		if err == nil && len(staying) > 0 {
			resp.Diagnostics.AddError("Disk In Use", fmt.Sprintf("Cannot delete %s: VM(s) %s have it attached. Detach it first: remove its disk block (attach = true) from the VM, or delete the VM in the same apply.",
				state.Path.ValueString(), strings.Join(staying, ", ")))
			return
		}
	}
	if req.Plan.Raw.IsNull() {
		r.data.guardPlan(req, resp, virtualDiskType, state.Path.ValueString(), state.ID.ValueString(), policy.ActionDelete)
		return
	}
	if !known(plan.Path) || !known(plan.SizeGiB) {
		return
	}
	var cur *virtualdisk.Disk
	if !req.State.Raw.IsNull() && !replaced {
		cur = &virtualdisk.Disk{Path: state.Path.ValueString(), SizeGiB: state.SizeGiB.ValueInt64()}
	}
	if err := api.Plan(ctx, dc, plan.want(), cur); err != nil {
		addDomainError(&resp.Diagnostics, "Invalid Disk", err)
		return
	}
	if cur == nil {
		r.data.planArriving(arrivingDisk, plan.Path.ValueString()) // a VM may attach it in this apply
	}
	if action, ok := plannedAction(req, resp, policy.ActionDelete, replaced); ok {
		r.data.warnIfRefused(&resp.Diagnostics, guard.Op{ResourceType: virtualDiskType, Object: plan.Path.ValueString(), Action: action})
	}
}

// diskReplaceReasons mirrors the schema's RequiresReplace modifiers.
func diskReplaceReasons(state, plan *virtualDiskModel) []string {
	var out []string
	for _, a := range []struct {
		name string
		s, p attr.Value
	}{{"path", state.Path, plan.Path}, {"provisioning", state.Provisioning, plan.Provisioning}, {"adapter_type", state.AdapterType, plan.AdapterType}} {
		if !a.p.IsUnknown() && !a.s.Equal(a.p) {
			out = append(out, a.name)
		}
	}
	return out
}

func (r *virtualDiskResource) api(diags *diag.Diagnostics) virtualdisk.API {
	if r.data == nil || r.data.disks == nil {
		noHostConfigured(diags, "ceso_virtual_disk makes disks on an ESXi host or vCenter.")
		return nil
	}
	return r.data.disks
}

func (r *virtualDiskResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan virtualDiskModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	api := r.api(&resp.Diagnostics)
	if resp.Diagnostics.HasError() || api == nil {
		return
	}
	ctx, cancel := within(ctx, &resp.Diagnostics, plan.Timeouts.Create, 30*time.Minute)
	defer cancel()
	want := plan.want()
	var got *virtualdisk.Disk
	op := guard.Op{ResourceType: virtualDiskType, Object: want.Path, Action: policy.ActionCreate,
		Details: map[string]any{"size_gib": want.SizeGiB, "provisioning": want.Provisioning}}
	if !r.data.guarded(ctx, &resp.Diagnostics, op, "Cannot Create Disk", func(ctx context.Context) error {
		var err error
		got, err = api.Create(ctx, r.data.datacenterScope(types.StringNull()), want)
		return err
	}) {
		return
	}
	plan.fill(got)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *virtualDiskResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state virtualDiskModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	api := r.api(&resp.Diagnostics)
	if resp.Diagnostics.HasError() || api == nil {
		return
	}
	p := state.Path.ValueString()
	if state.Path.IsNull() { // imported
		p = state.ID.ValueString()
	}
	got, err := api.Read(ctx, r.data.datacenterScope(types.StringNull()), p)
	if virtualdisk.IsNotFound(err) && !state.Path.IsNull() {
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		addDomainError(&resp.Diagnostics, "Cannot Read Disk", err)
		return
	}
	if state.Path.IsNull() {
		state.Provisioning, state.AdapterType = types.StringValue("thin"), types.StringValue("lsiLogic")
		state.Timeouts = timeouts.Value{Object: types.ObjectNull(map[string]attr.Type{"create": types.StringType, "update": types.StringType})}
	}
	state.fill(got)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// Update grows the disk; nothing else changes in place.
func (r *virtualDiskResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan virtualDiskModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	api := r.api(&resp.Diagnostics)
	if resp.Diagnostics.HasError() || api == nil {
		return
	}
	ctx, cancel := within(ctx, &resp.Diagnostics, plan.Timeouts.Update, 30*time.Minute)
	defer cancel()
	want := plan.want()
	var got *virtualdisk.Disk
	op := guard.Op{ResourceType: virtualDiskType, Object: want.Path, Action: policy.ActionUpdate, Details: map[string]any{"size_gib": want.SizeGiB}}
	if !r.data.guarded(ctx, &resp.Diagnostics, op, "Cannot Grow Disk", func(ctx context.Context) error {
		var err error
		got, err = api.Grow(ctx, r.data.datacenterScope(types.StringNull()), want)
		return err
	}) {
		return
	}
	plan.fill(got)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// Delete removes the disk's files: destructive, and refused while a VM
// has the disk attached.
func (r *virtualDiskResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state virtualDiskModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	api := r.api(&resp.Diagnostics)
	if resp.Diagnostics.HasError() || api == nil {
		return
	}
	op := guard.Op{ResourceType: virtualDiskType, Object: state.Path.ValueString(), ID: state.ID.ValueString(), Action: policy.ActionDelete}
	r.data.guarded(ctx, &resp.Diagnostics, op, "Cannot Delete Disk", func(ctx context.Context) error {
		return api.Delete(ctx, r.data.datacenterScope(types.StringNull()), state.Path.ValueString())
	})
}

// ImportState takes the disk's datastore path; Read fills in its size.
// Provisioning and adapter type are taken from the descriptor where it
// records them, else the defaults.
func (r *virtualDiskResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), strings.TrimSpace(req.ID))...)
}
