package provider

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/boolplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/listplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/mapplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/backup"
	"github.com/esxi-commander/terraform-provider-ceso/internal/esxi"
	"github.com/esxi-commander/terraform-provider-ceso/internal/guard"
	"github.com/esxi-commander/terraform-provider-ceso/internal/policy"
)

var (
	_ resource.ResourceWithConfigure  = (*restoreResource)(nil)
	_ resource.ResourceWithModifyPlan = (*restoreResource)(nil)
)

// NewRestoreResource returns the ceso_restore resource: a backup restored
// over an existing VM.
func NewRestoreResource() resource.Resource { return &restoreResource{} }

type restoreResource struct{ resourceData }

const restoreType = "ceso_restore"

func (r *restoreResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_restore"
}

func (r *restoreResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	replaceS := []planmodifier.String{stringplanmodifier.RequiresReplace()}
	keepList := []planmodifier.List{listplanmodifier.UseStateForUnknown()}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Restores a `ceso_backup` **over an existing VM**, in place: creating this resource replaces the VM's disks with copies of the backup's " +
			"(and its CPU and memory with the backed-up ones), keeping the VM's inventory place and, by default, its identity. It is destructive: " +
			"whatever the disks held since the backup is lost, so it needs an elevation in standard mode. " +
			"The backup's copies are copied into the VM's folder first; only when every copy succeeded does one reconfigure switch the VM to them, " +
			"and the old disk files are deleted last, so a failure leaves the VM with its old disks. " +
			"Disks the backup left out (`exclude_disks`, `skip_independent_disks`) come back **empty**, with their recorded size. " +
			"A change of `backup`, `vm`, `keep_identity` or `triggers` restores again. Destroying the resource only forgets it: nothing on the host changes. " +
			"To restore into a new VM instead, use `ceso_vm`'s `backup`.",
		Attributes: map[string]schema.Attribute{
			"id": readOnlyString("`<vm uuid>/<backup id>`."),
			"vm": schema.StringAttribute{Required: true, PlanModifiers: replaceS,
				MarkdownDescription: "Instance UUID of the existing VM to restore over, e.g. `ceso_vm.db.id`."},
			"backup": schema.StringAttribute{Required: true, PlanModifiers: replaceS,
				MarkdownDescription: "The backup to restore: its id (e.g. `ceso_backup.nightly.id`), folder or manifest path. Only a complete backup is accepted."},
			"keep_identity": schema.BoolAttribute{Optional: true, Computed: true, Default: booldefault.StaticBool(true),
				PlanModifiers: []planmodifier.Bool{boolplanmodifier.RequiresReplace()},
				MarkdownDescription: "Keep the VM's BIOS and instance UUID and its MAC addresses (default `true`). `false` gives it the backed-up VM's UUIDs " +
					"(refused when another VM has that instance UUID) and MAC addresses (in adapter order, when both have as many adapters). " +
					"A `ceso_vm` that manages the VM finds it by its instance UUID: with `false`, import it again under the new one."},
			"power_off": schema.BoolAttribute{Optional: true, Computed: true, Default: booldefault.StaticBool(false),
				MarkdownDescription: "Power a running VM off (hard, the guest is not shut down) for the restore, and on again after. Without it a VM that is not powered off is refused."},
			"triggers": schema.MapAttribute{Optional: true, ElementType: types.StringType,
				PlanModifiers:       []planmodifier.Map{mapplanmodifier.RequiresReplace()},
				MarkdownDescription: "Arbitrary values; a change restores again."},

			"vm_name":     readOnlyString("Name of the VM restored over (known at plan time)."),
			"backup_id":   readOnlyString("Id of the backup restored (known at plan time)."),
			"backup_time": readOnlyString("When the backup was made (RFC 3339, UTC; known at plan time)."),
			"overwritten_disks": schema.ListAttribute{Computed: true, ElementType: types.StringType, PlanModifiers: keepList,
				MarkdownDescription: "The VM's disks whose contents the restore replaces, as `label (slot, file)` (known at plan time). The apply refuses when the VM's disks changed since the plan."},
			"empty_disks": schema.ListAttribute{Computed: true, ElementType: types.StringType, PlanModifiers: keepList,
				MarkdownDescription: "Disks the backup left out, which the restore makes empty with their recorded size (known at plan time)."},
			"disks": schema.ListAttribute{Computed: true, ElementType: types.StringType, PlanModifiers: keepList,
				MarkdownDescription: "Datastore paths of the VM's disks the restore made."},
			"restored_at": readOnlyString("When the restore finished (RFC 3339, UTC)."),
		},
		Blocks: map[string]schema.Block{"timeouts": restoreTimeouts(ctx)},
	}
}

func restoreTimeouts(ctx context.Context) schema.Block {
	b := timeouts.Block(ctx, timeouts.Opts{Create: true})
	if nb, ok := b.(schema.SingleNestedBlock); ok {
		nb.MarkdownDescription = "How long a restore (`create`, default 4h) may take."
		return nb
	}
	return b
}

// restoreReplaceReasons lists the arguments whose change restores again,
// mirroring the schema's RequiresReplace.
func restoreReplaceReasons(state, plan *restoreModel) []string {
	var out []string
	for _, x := range []struct {
		name string
		a, b attr.Value
	}{{"vm", state.VM, plan.VM}, {"backup", state.Backup, plan.Backup}, {"keep_identity", state.KeepIdentity, plan.KeepIdentity}, {"triggers", state.Triggers, plan.Triggers}} {
		if !x.a.Equal(x.b) {
			out = append(out, x.name)
		}
	}
	return out
}

// ModifyPlan shows what the restore will overwrite, warns about it, and
// warns when the guard will refuse it.
func (r *restoreResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	plan, state, ok := planAndState[restoreModel](ctx, req, resp)
	if !ok {
		return
	}
	if req.Plan.Raw.IsNull() { // forgetting: nothing on the host changes
		r.data.guardPlan(req, resp, restoreType, state.VMName.ValueString(), state.ID.ValueString(), policy.ActionDiscard)
		return
	}
	if !req.State.Raw.IsNull() {
		if reasons := restoreReplaceReasons(&state, &plan); len(reasons) == 0 {
			r.data.guardPlan(req, resp, restoreType, state.VMName.ValueString(), state.ID.ValueString(), policy.ActionUpdate)
		}
		// A replacement is planned again as a create, which says the rest.
		return
	}
	object := ""
	if known(plan.VM) && known(plan.Backup) && r.data != nil && r.data.client != nil {
		api := r.data.backups(&resp.Diagnostics)
		p, err := api.PlanInPlace(ctx, plan.spec(r.data.datacenterScope(types.StringNull())))
		if err != nil {
			addBackupError(&resp.Diagnostics, "Cannot Plan Restore", err)
			return
		}
		object = p.VMName
		plan.planned(ctx, p, &resp.Diagnostics)
		plan.ID = types.StringValue(p.VMUUID + "/" + p.Manifest.ID)
		resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
		restoreWarnings(&resp.Diagnostics, p, plan.PowerOff.ValueBool())
	}
	r.data.warnIfRefused(&resp.Diagnostics, restoreOp(object, &plan))
}

// restoreWarnings tells the plan's reader what the restore overwrites.
func restoreWarnings(diags interface{ AddWarning(string, string) }, p *backup.InPlacePlan, powerOff bool) {
	detail := fmt.Sprintf("Restoring backup %s (made %s) over VM %s overwrites its disks: %s. Whatever they held since the backup is lost.",
		p.Manifest.ID, p.Manifest.Started.UTC().Format(time.RFC3339), p.VMName, orNone(p.Overwritten))
	if len(p.Added) > 0 {
		detail += " Disks added: " + strings.Join(p.Added, ", ") + "."
	}
	if len(p.Untouched) > 0 {
		detail += " Disks the backup does not have stay as they are: " + strings.Join(p.Untouched, ", ") + "."
	}
	diags.AddWarning("Restore Overwrites Disks", detail)
	if len(p.Empty) > 0 {
		diags.AddWarning("Restored Disks Are Empty",
			"The backup left these disks out, so the restore makes them empty, with their recorded size: "+strings.Join(p.Empty, ", ")+". Restore their data another way.")
	}
	if p.PowerState != string(esxiPoweredOff) {
		if powerOff {
			diags.AddWarning("VM Will Be Powered Off", fmt.Sprintf("VM %s is %s: the restore powers it off (hard, no guest shutdown) and on again after.", p.VMName, p.PowerState))
		} else {
			diags.AddWarning("VM Is Not Powered Off", fmt.Sprintf("VM %s is %s; the apply refuses to restore over it unless it is powered off by then, or power_off = true.", p.VMName, p.PowerState))
		}
	}
}

const esxiPoweredOff = "poweredOff"

func orNone(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}

// restoreOp is the guarded restore: destructive (restore_over), decided on
// the VM as it is on the host.
func restoreOp(object string, plan *restoreModel) guard.Op {
	return guard.Op{ResourceType: restoreType, Object: object, ID: plan.VM.ValueString(), Action: policy.ActionRestoreOver,
		Details: map[string]any{"backup": plan.Backup.ValueString(), "keep_identity": plan.KeepIdentity.ValueBool(), "power_off": plan.PowerOff.ValueBool()}}
}

func (r *restoreResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan restoreModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	api := r.data.backups(&resp.Diagnostics)
	if resp.Diagnostics.HasError() || api == nil {
		return
	}
	ctx, cancel := within(ctx, &resp.Diagnostics, plan.Timeouts.Create, 4*time.Hour)
	defer cancel()
	spec := plan.spec(r.data.datacenterScope(types.StringNull()))
	p, err := api.PlanInPlace(ctx, spec)
	if err != nil {
		addBackupError(&resp.Diagnostics, "Cannot Restore", err)
		return
	}
	// The approver saw a list of disks: restore over exactly those.
	if !plan.sameAsPlanned(ctx, p) {
		resp.Diagnostics.AddError("VM Changed Since The Plan",
			fmt.Sprintf("The plan showed the restore overwriting %s of VM %s, but it now has %s. Nothing was changed; plan again.",
				plan.OverwrittenDisks.String(), p.VMName, orNone(p.Overwritten)))
		return
	}
	op := restoreOp(p.VMName, &plan)
	op.Current = func(ctx context.Context) (string, error) { return api.VMName(ctx, spec.VM) }
	op.Details["backup_id"], op.Details["overwritten"], op.Details["empty"] = p.Manifest.ID, p.Overwritten, p.Empty
	var res *backup.InPlaceResult
	ok := r.data.guarded(ctx, &resp.Diagnostics, op, "Restore Failed", func(ctx context.Context) error {
		var err error
		res, err = api.RestoreInPlace(ctx, spec)
		return err
	})
	if res != nil {
		for _, w := range res.Warnings {
			resp.Diagnostics.AddWarning("Restore Warning", w)
		}
	}
	if !ok {
		return
	}
	if len(res.Plan.Empty) > 0 {
		resp.Diagnostics.AddWarning("Restored Disks Are Empty",
			"The backup left these disks out, so the VM has them empty, with their recorded size: "+strings.Join(res.Plan.Empty, ", ")+". Restore their data another way.")
	}
	plan.ID = types.StringValue(res.Plan.VMUUID + "/" + res.Plan.Manifest.ID)
	plan.planned(ctx, res.Plan, &resp.Diagnostics)
	plan.Disks = stringListValue(ctx, res.Disks, &resp.Diagnostics)
	plan.RestoredAt = types.StringValue(time.Now().UTC().Format(time.RFC3339))
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// Read keeps the record of a restore while its VM exists; a VM that is gone
// takes the record with it.
func (r *restoreResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state restoreModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	api := r.data.backups(&resp.Diagnostics)
	if resp.Diagnostics.HasError() || api == nil {
		return
	}
	uuid := state.VM.ValueString()
	if !state.KeepIdentity.ValueBool() {
		// The VM now has the backed-up VM's instance UUID.
		if vmUUID, _, ok := strings.Cut(state.ID.ValueString(), "/"); ok && vmUUID != "" {
			uuid = vmUUID
		}
	}
	if _, err := api.VMName(ctx, uuid); err != nil {
		if fe, ok := backup.AsFieldError(err); ok && esxi.IsNotFound(fe.Err) {
			resp.State.RemoveResource(ctx)
			return
		}
		addBackupError(&resp.Diagnostics, "Cannot Read VM", err)
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// Update changes only power_off, which matters at create: nothing on the
// host changes.
func (r *restoreResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan restoreModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	op := guard.Op{ResourceType: restoreType, Object: plan.VMName.ValueString(), ID: plan.ID.ValueString(), Action: policy.ActionUpdate,
		Details: map[string]any{"power_off": plan.PowerOff.ValueBool()}}
	if r.data.guarded(ctx, &resp.Diagnostics, op, "Cannot Update Restore", func(context.Context) error { return nil }) {
		resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	}
}

// Delete forgets the restore: a restore cannot be undone, and the VM is
// ceso_vm's to delete.
func (r *restoreResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state restoreModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	op := guard.Op{ResourceType: restoreType, Object: state.VMName.ValueString(), ID: state.ID.ValueString(), Action: policy.ActionDiscard,
		Details: map[string]any{"backup_id": state.BackupID.ValueString()}}
	r.data.guarded(ctx, &resp.Diagnostics, op, "Cannot Forget Restore", func(context.Context) error { return nil })
}
