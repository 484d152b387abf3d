package provider

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/esxi-commander/terraform-provider-ceso/internal/esxi"
	"github.com/esxi-commander/terraform-provider-ceso/internal/guard"
	"github.com/esxi-commander/terraform-provider-ceso/internal/policy"
	"github.com/esxi-commander/terraform-provider-ceso/internal/vm"
)

var (
	_ resource.ResourceWithConfigure      = (*vmResource)(nil)
	_ resource.ResourceWithImportState    = (*vmResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*vmResource)(nil)
	_ resource.ResourceWithValidateConfig = (*vmResource)(nil)
)

// NewVMResource returns the ceso_vm resource.
func NewVMResource() resource.Resource { return &vmResource{} }

type vmResource struct{ resourceData }

const vmType = "ceso_vm"

func (r *vmResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_vm"
}

func (r *vmResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = vmSchema(ctx)
}

// api returns the VM domain API, or reports that no host is configured.
func (r *vmResource) api(diags *diag.Diagnostics) vm.API {
	if r.data == nil || r.data.vms == nil {
		noHostConfigured(diags, "ceso_vm manages VMs on an ESXi host or vCenter.")
		return nil
	}
	return r.data.vms
}

// addVMErrors reports a domain error on the attributes it blames.
func addVMErrors(diags *diag.Diagnostics, summary string, err error) {
	if fes := vm.FieldErrors(err); len(fes) > 0 {
		for _, fe := range fes {
			p := path.Root(fe.Field)
			if fe.Index >= 0 {
				p = p.AtListIndex(fe.Index)
			}
			if fe.Sub != "" {
				p = p.AtName(fe.Sub)
			}
			diags.AddAttributeError(p, fe.Summary, fe.Detail)
		}
		return
	}
	diags.AddError(summary, err.Error())
}

// ModifyPlan warns about changes the guard will refuse and, for updates,
// asks the domain what the update will do, so a disk shrink or a needed
// power cycle is an error at plan time rather than a surprise at apply.
func (r *vmResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	var state vmModel
	if !req.State.Raw.IsNull() {
		resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
		if resp.Diagnostics.HasError() {
			return
		}
	}
	if req.Plan.Raw.IsNull() {
		r.data.planLeaving(state.Name.ValueString())
		r.data.warnIfRefused(&resp.Diagnostics, vmOp(&state, state.Name.ValueString(), policy.ActionDelete))
		return
	}
	var plan vmModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if !req.State.Raw.IsNull() {
		r.planMove(&state, &plan, resp)
	}
	r.planPassthrough(ctx, req, &plan, resp)
	action, changes := plannedAction(req, resp, policy.ActionDelete, !req.State.Raw.IsNull() && (len(replaceReasons(&state, &plan)) > 0 || len(resp.RequiresReplace) > 0))
	if !changes {
		return
	}
	op := vmOp(&state, plan.Name.ValueString(), action)
	if action == policy.ActionReplace {
		// A replace deletes the VM in state, then creates the new one.
		op = vmOp(&state, state.Name.ValueString(), policy.ActionDelete)
	}
	if action == policy.ActionUpdate {
		up := r.planUpdate(ctx, &state, &plan, resp)
		op.Effects = updateEffects(&state, &plan, up)
	}
	if action == policy.ActionReplace {
		r.data.planLeaving(state.Name.ValueString())
		// The CLI plans the create half of a replacement again with no prior
		// state, handing back this plan's private data: that is how the
		// second call knows which VM goes first.
		rememberReplaced(ctx, resp, state.ID.ValueString())
	}
	if action == policy.ActionCreate || action == policy.ActionReplace {
		r.planCreate(ctx, req, resp, replacedVM(ctx, req, state.ID.ValueString()))
		r.data.warnEmptyRestoredDisks(ctx, &resp.Diagnostics, plan.Backup, plan.Datacenter)
	}
	if action == policy.ActionCreate && r.takesOver(ctx, plan.Name) {
		op.Effects = append(op.Effects, policy.ActionAdoptExisting)
	}
	r.data.warnIfRefused(&resp.Diagnostics, op)
}

// planMove decides how a change of datastore, host or resource pool is
// made: vCenter moves the VM in place (RelocateVM_Task), a standalone host
// cannot, so there the change replaces the VM, and the plan says why.
func (r *vmResource) planMove(state, plan *vmModel, resp *resource.ModifyPlanResponse) {
	vcenter := r.data != nil && r.data.client != nil && r.data.client.Facts().IsVCenter
	var moved []string
	for _, a := range []struct {
		name        string
		prior, want types.String
	}{{"datastore", state.Datastore, plan.Datastore}, {"host", state.Host, plan.Host}, {"resource_pool", state.ResourcePool, plan.ResourcePool}} {
		if a.want.IsUnknown() || a.want.IsNull() || a.prior.Equal(a.want) {
			continue
		}
		moved = append(moved, a.name)
		if !vcenter {
			resp.RequiresReplace = append(resp.RequiresReplace, path.Root(a.name))
		}
	}
	if len(moved) > 0 && !vcenter {
		resp.Diagnostics.AddWarning("Change Replaces The VM",
			fmt.Sprintf("Changing %s moves the VM, which only vCenter can do (RelocateVM_Task); a standalone ESXi host cannot, so this plan replaces the VM: "+
				"it is destroyed and made again, with a new identity.", strings.Join(moved, ", ")))
	}
}

// replaceReasons lists the attributes whose change replaces the VM, mirroring
// the RequiresReplace plan modifiers of the schema.
func replaceReasons(state, plan *vmModel) []string {
	var out []string
	differs := func(name string, a, b attr.Value) {
		if !b.IsUnknown() && !a.Equal(b) {
			out = append(out, name)
		}
	}
	differs("template", state.Template, plan.Template)
	differs("linked_clone", state.LinkedClone, plan.LinkedClone)
	differs("clone_snapshot", state.CloneSnapshot, plan.CloneSnapshot)
	differs("backup", state.Backup, plan.Backup)
	differs("datacenter", state.Datacenter, plan.Datacenter)
	differs("cluster", state.Cluster, plan.Cluster)
	differs("firmware", state.Firmware, plan.Firmware)
	if plan.CloudinitUpdate.ValueString() != "in_place" {
		differs("guestinfo", state.GuestInfo, plan.GuestInfo)
	}
	return out
}

// forcesPowerOff reports whether an update may power the VM off hard.
func forcesPowerOff(state, plan *vmModel) bool {
	return plan.ForcePowerOff.ValueBool() && state.PowerState.ValueString() == vm.PowerOn &&
		known(plan.PowerState) && plan.PowerState.ValueString() != vm.PowerOn
}

// planCreate looks up what a create names (template, placement, networks,
// datastores) so a typo fails the plan, not the apply. It needs the whole
// configuration known: a value known only at apply is checked then. A
// failure to read the inventory is left to the refresh or the apply.
// replaces is the UUID of the VM a replacement deletes first ("" for a
// create): the name check must not take it for another VM of the name.
func (r *vmResource) planCreate(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse, replaces string) {
	if r.data == nil || r.data.vms == nil || !req.Config.Raw.IsFullyKnown() {
		return
	}
	var cfg vmModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	spec := cfg.spec(ctx, &resp.Diagnostics)
	spec.Replaces = replaces
	// A port group this plan creates is not on the host yet; the apply
	// checks it.
	spec.NICs = slices.DeleteFunc(spec.NICs, func(n vm.NIC) bool { return r.data.isArriving(arrivingNetwork, n.Network) })
	r.data.markArrivingDisks(spec.Disks)
	err := r.data.vms.PlanCreate(ctx, spec)
	var taken *vm.NameTakenError
	switch k := esxi.KindOf(err); {
	case err == nil:
	case len(vm.FieldErrors(err)) > 0:
		addVMErrors(&resp.Diagnostics, "Cannot Create VM", err)
	case errors.As(err, &taken):
		resp.Diagnostics.AddAttributeError(path.Root("name"), "VM Name Taken", err.Error())
	case k == esxi.KindMaintenance || k == esxi.KindInvalidState:
		resp.Diagnostics.AddError("Cannot Create VM", err.Error())
	default:
		tflog.Debug(ctx, "plan-time create check skipped", map[string]any{"error": err.Error()})
	}
}

func (r *vmResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan vmModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	api := r.api(&resp.Diagnostics)
	if resp.Diagnostics.HasError() || api == nil {
		return
	}
	timeout, d := plan.Timeouts.Create(ctx, 30*time.Minute)
	resp.Diagnostics.Append(d...)
	spec, opts := plan.spec(ctx, &resp.Diagnostics), plan.options(&resp.Diagnostics)
	if spec.DiskEnableUUID == nil { // what users expect of a new VM
		on := true
		spec.DiskEnableUUID = &on
	}
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	// A new VM never needs a hard power-off; one taken over is decided by
	// ConfirmTakeOver, so create never carries force_power_off along.
	opts.AllowForcedPowerOff = false
	opts.ConfirmTakeOver = func(ctx context.Context, uuid string, destroy bool) error {
		verb := "take over"
		if destroy {
			verb = "destroy and remake"
		}
		return r.data.guard.Check(ctx, guard.Op{ResourceType: vmType, Object: spec.Name, Action: policy.ActionAdoptExisting,
			Details: map[string]any{"existing_uuid": uuid, "effect": verb}})
	}
	var res *vm.Result
	op := guard.Op{ResourceType: vmType, Object: spec.Name, Action: policy.ActionCreate,
		Details: map[string]any{"template": spec.Template, "cpus": spec.CPUs, "memory_mb": spec.MemoryMB, "power": spec.Power}}
	ok := r.data.guarded(ctx, &resp.Diagnostics, op, "Cannot Create VM", func(ctx context.Context) error {
		var err error
		res, err = api.Create(ctx, spec, opts)
		return err
	})
	if !ok {
		// A VM that exists but failed late (power-on, wait for IP) is saved,
		// so Terraform marks it tainted instead of forgetting a real object.
		if res != nil && res.State != nil {
			plan.fill(ctx, res.State, len(plan.Disks) > 0, len(plan.NICs) > 0, false, &resp.Diagnostics)
			resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
		}
		return
	}
	if len(res.EmptyDisks) > 0 {
		resp.Diagnostics.AddWarning("Restored Disks Are Empty",
			"The backup left these disks out, so the restored VM has them empty, with their recorded size: "+strings.Join(res.EmptyDisks, "; ")+". Restore their data another way.")
	}
	if res.Replaced {
		resp.Diagnostics.AddWarning("Cleaned Up An Interrupted Create",
			fmt.Sprintf("An earlier create of %q left an incomplete VM; ceso removed it and created the VM again.", spec.Name))
	}
	plan.fill(ctx, res.State, len(plan.Disks) > 0, len(plan.NICs) > 0, false, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *vmResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state vmModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	api := r.api(&resp.Diagnostics)
	if resp.Diagnostics.HasError() || api == nil {
		return
	}
	imported := state.Name.IsNull()
	st, err := api.Read(ctx, state.ID.ValueString(), state.readKeys(ctx, &resp.Diagnostics))
	if vm.IsNotFound(err) {
		resp.State.RemoveResource(ctx) // deleted outside Terraform: the next plan recreates it
		return
	}
	if err != nil {
		resp.Diagnostics.AddError("Cannot Read VM", err.Error())
		return
	}
	// Disk and NIC blocks are reported only when the configuration declares
	// them; an import leaves them undeclared, so a configuration that adopts
	// a VM as it is (no blocks) plans nothing, and the VM's devices are
	// left alone until blocks are written for them.
	state.fill(ctx, st, len(state.Disks) > 0, len(state.NICs) > 0, true, &resp.Diagnostics)
	if imported {
		state.setImportDefaults()
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// setImportDefaults gives an imported VM the defaults a configuration would
// have, so a configuration written from what was read plans nothing.
func (m *vmModel) setImportDefaults() {
	m.CloudinitUpdate = types.StringValue("replace")
	m.AllowPowerCycle = types.BoolValue(false)
	m.ForcePowerOff = types.BoolValue(false)
	m.ShutdownTimeout = types.StringValue("2m")
}

func (r *vmResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state vmModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	api := r.api(&resp.Diagnostics)
	if resp.Diagnostics.HasError() || api == nil {
		return
	}
	timeout, d := plan.Timeouts.Update(ctx, 30*time.Minute)
	resp.Diagnostics.Append(d...)
	spec, opts := plan.spec(ctx, &resp.Diagnostics), plan.options(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	op := vmOp(&state, spec.Name, policy.ActionUpdate)
	op.Current = currentName(api, state.ID.ValueString())
	up, err := api.PlanUpdate(ctx, state.ID.ValueString(), spec)
	if err != nil && !vm.IsNotFound(err) {
		addVMErrors(&resp.Diagnostics, "Cannot Update VM", err)
		return
	}
	op.Effects = updateEffects(&state, &plan, up)
	// A hard power-off happens only where the guard decided on one.
	opts.AllowForcedPowerOff = slices.Contains(op.Effects, policy.ActionPowerOffForced)
	var res *vm.Result
	ok := r.data.guarded(ctx, &resp.Diagnostics, op, "Cannot Update VM", func(ctx context.Context) error {
		var err error
		res, err = api.Update(ctx, state.ID.ValueString(), spec, opts)
		if errors.Is(err, vm.ErrForcedPowerOffNeeded) {
			return fmt.Errorf("%w. Set force_power_off = true to allow a hard power-off (a destructive action that needs an elevation in standard mode)", err)
		}
		return err
	})
	if !ok {
		return
	}
	reportDisks(ctx, &resp.Diagnostics, res)
	planned := plan
	plan.fill(ctx, res.State, len(plan.Disks) > 0, len(plan.NICs) > 0, false, &resp.Diagnostics)
	plan.keepPlannedGuestReport(&planned)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *vmResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state vmModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	api := r.api(&resp.Diagnostics)
	if resp.Diagnostics.HasError() || api == nil {
		return
	}
	ctx, cancel := within(ctx, &resp.Diagnostics, state.Timeouts.Delete, 30*time.Minute)
	defer cancel()
	op := vmOp(&state, state.Name.ValueString(), policy.ActionDelete)
	op.Current = currentName(api, state.ID.ValueString())
	var res *vm.Result
	r.data.guarded(ctx, &resp.Diagnostics, op, "Cannot Delete VM", func(ctx context.Context) error {
		var err error
		res, err = api.Delete(ctx, state.ID.ValueString())
		if vm.IsNotFound(err) {
			return nil // already gone: the goal is reached
		}
		return err
	})
	if res != nil {
		reportDisks(ctx, &resp.Diagnostics, res)
	}
}

// ImportState accepts a UUID, an inventory path or a name.
func (r *vmResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	api := r.api(&resp.Diagnostics)
	if api == nil {
		return
	}
	st, err := api.Lookup(ctx, strings.TrimSpace(req.ID), vm.ReadOptions{})
	if err != nil {
		resp.Diagnostics.AddError("Cannot Import VM",
			fmt.Sprintf("%v. Import takes a VM's instance UUID, inventory path (e.g. /ha-datacenter/vm/web01) or unique name.", err))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), st.UUID)...)
}
