package provider

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"

	"github.com/esxi-commander/terraform-provider-ceso/internal/guard"
	"github.com/esxi-commander/terraform-provider-ceso/internal/policy"
	"github.com/esxi-commander/terraform-provider-ceso/internal/snapshot"
)

var (
	_ resource.ResourceWithConfigure   = (*snapshotResource)(nil)
	_ resource.ResourceWithImportState = (*snapshotResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*snapshotResource)(nil)
)

// NewSnapshotResource returns the ceso_snapshot resource.
func NewSnapshotResource() resource.Resource { return &snapshotResource{} }

type snapshotResource struct{ resourceData }

const snapshotType = "ceso_snapshot"

func (r *snapshotResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_snapshot"
}

func (r *snapshotResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = snapshotSchema(ctx)
}

// api returns the snapshot domain API, or reports that no host is configured.
func (r *snapshotResource) api(diags *diag.Diagnostics) snapshot.API {
	if r.data == nil || r.data.snapshots == nil {
		noHostConfigured(diags, "ceso_snapshot manages snapshots on an ESXi host or vCenter.")
		return nil
	}
	return r.data.snapshots
}

// ModifyPlan makes a revert plain in the plan (a warning naming the VM and
// the snapshot), refuses what the API cannot do, checks that the VM exists,
// and warns about what the guard will refuse.
func (r *snapshotResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	plan, state, ok := planAndState[snapshotModel](ctx, req, resp)
	if !ok {
		return
	}
	object := state.VMName.ValueString()
	switch {
	case req.Plan.Raw.IsNull():
		r.data.warnIfRefused(&resp.Diagnostics, guard.Op{ResourceType: snapshotType, Object: object, ID: state.ID.ValueString(), Action: policy.ActionSnapshotDelete})
		return
	case req.State.Raw.IsNull() || len(snapshotReplaceReasons(&state, &plan)) > 0:
		if r.data != nil && r.data.snapshots != nil && known(plan.VM) {
			name, err := r.data.snapshots.VMName(ctx, plan.VM.ValueString())
			if err != nil {
				addDomainError(&resp.Diagnostics, "Cannot Find VM", err)
				return
			}
			object = name
		}
		if !req.State.Raw.IsNull() {
			r.data.warnIfRefused(&resp.Diagnostics, guard.Op{ResourceType: snapshotType, Object: state.VMName.ValueString(), ID: state.ID.ValueString(), Action: policy.ActionSnapshotDelete})
		}
		r.data.warnIfRefused(&resp.Diagnostics, guard.Op{ResourceType: snapshotType, Object: object, Action: policy.ActionSnapshotCreate})
		return
	}
	if known(plan.Description) && plan.Description.ValueString() == "" && state.Description.ValueString() != "" {
		resp.Diagnostics.AddAttributeError(path.Root("description"), "Cannot Clear Snapshot Description",
			fmt.Sprintf("The API leaves an empty description unchanged, so snapshot %q of VM %s would keep %q. Set a different, non-empty description instead.",
				state.Name.ValueString(), object, state.Description.ValueString()))
		return
	}
	if plan.reverts(&state) {
		resp.Diagnostics.AddWarning(fmt.Sprintf("VM %s Will Be Reverted To Snapshot %q", object, state.Name.ValueString()),
			fmt.Sprintf("revert_on_change changed, so applying this plan returns VM %s to snapshot %q (id %d, taken %s). "+
				"Every change to the VM's disks and configuration since then is lost; %s This is a destructive action: standard mode needs an elevation.",
				object, state.Name.ValueString(), state.SnapshotID.ValueInt64(), state.CreateTime.ValueString(), revertPowerNote(&state)))
		r.data.warnIfRefused(&resp.Diagnostics, guard.Op{ResourceType: snapshotType, Object: object, ID: state.ID.ValueString(), Action: policy.ActionSnapshotRevert})
	}
	if !plan.Name.Equal(state.Name) || !plan.Description.Equal(state.Description) {
		r.data.warnIfRefused(&resp.Diagnostics, guard.Op{ResourceType: snapshotType, Object: object, ID: state.ID.ValueString(), Action: policy.ActionUpdate})
	}
}

// revertPowerNote says in which power state a revert leaves the VM.
func revertPowerNote(state *snapshotModel) string {
	if state.Memory.ValueBool() {
		return "the snapshot holds the VM's memory, so the VM comes back running as it was."
	}
	return "the snapshot holds no memory, so the VM comes back powered off."
}

func (r *snapshotResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan snapshotModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	api := r.api(&resp.Diagnostics)
	if resp.Diagnostics.HasError() || api == nil {
		return
	}
	ctx, cancel := within(ctx, &resp.Diagnostics, plan.Timeouts.Create, 30*time.Minute)
	defer cancel()
	spec := plan.spec()
	name, err := api.VMName(ctx, spec.VM)
	if err != nil {
		addDomainError(&resp.Diagnostics, "Cannot Find VM", err)
		return
	}
	var res *snapshot.Result
	op := guard.Op{ResourceType: snapshotType, Object: name, Action: policy.ActionSnapshotCreate, Details: map[string]any{
		"vm_uuid": spec.VM, "name": spec.Name, "memory": spec.Memory, "quiesce": spec.Quiesce}}
	ok := r.data.guarded(ctx, &resp.Diagnostics, op, "Cannot Take Snapshot", func(ctx context.Context) error {
		var err error
		res, err = api.Create(ctx, spec)
		return err
	})
	if res != nil {
		for _, w := range res.Warnings {
			resp.Diagnostics.AddWarning("Snapshot Warning", w)
		}
	}
	if !ok {
		return
	}
	plan.fill(res.State)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// Read refreshes the snapshot from the shared inventory read; a snapshot
// (or VM) that is gone leaves the state, and the next plan takes a new one.
func (r *snapshotResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state snapshotModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	api := r.api(&resp.Diagnostics)
	if resp.Diagnostics.HasError() || api == nil {
		return
	}
	if state.VM.IsNull() { // imported: the id is what the user typed
		s, err := api.Find(ctx, state.ID.ValueString())
		if err != nil {
			resp.Diagnostics.AddError("Cannot Import Snapshot", err.Error())
			return
		}
		state.imported(s)
		resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
		return
	}
	vmUUID, id, err := state.ids()
	if err != nil {
		resp.Diagnostics.AddError("Invalid Snapshot Id", err.Error()+". Remove the resource from state and import it again.")
		return
	}
	s, err := api.Read(ctx, vmUUID, id)
	if snapshot.IsNotFound(err) {
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		resp.Diagnostics.AddError("Cannot Read Snapshot", err.Error())
		return
	}
	state.refresh(s)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// Update reverts the VM when revert_on_change has a new value (first, so a
// rename in the same apply names the snapshot the VM now runs on), then
// renames the snapshot if its name or description changed.
func (r *snapshotResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state snapshotModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	api := r.api(&resp.Diagnostics)
	if resp.Diagnostics.HasError() || api == nil {
		return
	}
	ctx, cancel := within(ctx, &resp.Diagnostics, plan.Timeouts.Update, 30*time.Minute)
	defer cancel()
	vmUUID, id, err := state.ids()
	if err != nil {
		resp.Diagnostics.AddError("Invalid Snapshot Id", err.Error())
		return
	}
	name, err := api.VMName(ctx, vmUUID)
	if err != nil {
		addDomainError(&resp.Diagnostics, "Cannot Find VM", err)
		return
	}
	details := map[string]any{"vm_uuid": vmUUID, "snapshot_id": id, "snapshot": state.Name.ValueString()}
	if plan.reverts(&state) {
		op := guard.Op{ResourceType: snapshotType, Object: name, ID: state.ID.ValueString(), Action: policy.ActionSnapshotRevert, Details: details}
		if !r.data.guarded(ctx, &resp.Diagnostics, op, "Cannot Revert VM To Snapshot", func(ctx context.Context) error {
			return api.Revert(ctx, vmUUID, id)
		}) {
			return
		}
	}
	newName, newDesc := changed(state.Name.ValueString(), plan.Name.ValueString()), changed(state.Description.ValueString(), plan.Description.ValueString())
	if newName != "" || newDesc != "" || !plan.reverts(&state) {
		// Nothing on the host changes when only revert_on_change went
		// away, but the guard still records the change of state.
		op := guard.Op{ResourceType: snapshotType, Object: name, ID: state.ID.ValueString(), Action: policy.ActionUpdate,
			Details: map[string]any{"vm_uuid": vmUUID, "snapshot_id": id, "name": plan.Name.ValueString()}}
		if !r.data.guarded(ctx, &resp.Diagnostics, op, "Cannot Rename Snapshot", func(ctx context.Context) error {
			if newName == "" && newDesc == "" {
				return nil
			}
			return api.Rename(ctx, vmUUID, id, newName, newDesc)
		}) {
			return
		}
	}
	s, err := api.Read(ctx, vmUUID, id)
	if err != nil {
		resp.Diagnostics.AddError("Cannot Read Snapshot", err.Error())
		return
	}
	plan.fill(s)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// changed returns the new value when it differs from the old one, else "".
func changed(old, updated string) string {
	if old == updated {
		return ""
	}
	return updated
}

// Delete removes the snapshot and consolidates the VM's disks; a
// destructive action (the restore point is lost).
func (r *snapshotResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state snapshotModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	api := r.api(&resp.Diagnostics)
	if resp.Diagnostics.HasError() || api == nil {
		return
	}
	ctx, cancel := within(ctx, &resp.Diagnostics, state.Timeouts.Delete, 30*time.Minute)
	defer cancel()
	vmUUID, id, err := state.ids()
	if err != nil {
		resp.Diagnostics.AddError("Invalid Snapshot Id", err.Error())
		return
	}
	name := state.VMName.ValueString()
	if n, err := api.VMName(ctx, vmUUID); err == nil {
		name = n // the guard decides on the VM as it is named on the host now
	}
	op := guard.Op{ResourceType: snapshotType, Object: name, ID: state.ID.ValueString(), Action: policy.ActionSnapshotDelete,
		Details: map[string]any{"vm_uuid": vmUUID, "snapshot_id": id, "snapshot": state.Name.ValueString()}}
	r.data.guarded(ctx, &resp.Diagnostics, op, "Cannot Remove Snapshot", func(ctx context.Context) error {
		err := api.Delete(ctx, vmUUID, id)
		if snapshot.IsNotFound(err) {
			return nil // the VM is gone, and its snapshots with it
		}
		return err
	})
}

// ImportState takes `<VM>/<snapshot>`; Read resolves it and fills in
// everything from the host.
func (r *snapshotResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), strings.TrimSpace(req.ID))...)
}
