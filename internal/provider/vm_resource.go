package provider

import (
	"context"
	"errors"
	"fmt"
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

type vmResource struct{ data *providerData }

const vmType = "ceso_vm"

func (r *vmResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_vm"
}

func (r *vmResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = vmSchema(ctx)
}

func (r *vmResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

// api returns the VM domain API, or reports that no host is configured.
func (r *vmResource) api(diags *diag.Diagnostics) vm.API {
	if r.data == nil || r.data.vms == nil {
		diags.AddError("No Host Configured",
			"ceso_vm manages VMs on an ESXi host or vCenter. Set host, username and password in the provider block (or CESO_HOST, CESO_USERNAME, CESO_PASSWORD).")
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

func (r *vmResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var m vmModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() || !req.Config.Raw.IsFullyKnown() {
		return // values known only at apply are checked then
	}
	spec := m.spec(ctx, &resp.Diagnostics)
	if err := vm.Validate(&spec); err != nil {
		addVMErrors(&resp.Diagnostics, "Invalid VM Configuration", err)
	}
}

// ModifyPlan warns about changes the guard will refuse and, for updates,
// asks the domain what the update will do, so a disk shrink or a needed
// power cycle is an error at plan time rather than a surprise at apply.
func (r *vmResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	var name types.String
	if req.Plan.Raw.IsNull() {
		resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("name"), &name)...)
		r.data.guardPlan(req, resp, vmType, name.ValueString(), policy.ActionDelete)
		return
	}
	var plan, state vmModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if !req.State.Raw.IsNull() {
		resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
		if resp.Diagnostics.HasError() {
			return
		}
	}
	if !req.State.Raw.IsNull() {
		r.planMove(&state, &plan, resp)
	}
	action, changes := plannedAction(req, resp, policy.ActionDelete, !req.State.Raw.IsNull() && (len(replaceReasons(&state, &plan)) > 0 || len(resp.RequiresReplace) > 0))
	if !changes {
		return
	}
	if action == policy.ActionUpdate {
		if forcesPowerOff(&state, &plan) {
			action = policy.ActionPowerOffForced
		}
		r.planUpdate(ctx, &state, &plan, resp)
	}
	if action == policy.ActionCreate || action == policy.ActionReplace {
		r.planCreate(ctx, req, resp)
	}
	r.data.warnIfRefused(&resp.Diagnostics, guard.Op{ResourceType: vmType, Object: plan.Name.ValueString(), Action: action})
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
func (r *vmResource) planCreate(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if r.data == nil || r.data.vms == nil || !req.Config.Raw.IsFullyKnown() {
		return
	}
	var cfg vmModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	err := r.data.vms.PlanCreate(ctx, cfg.planSpec(ctx, &resp.Diagnostics))
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

func (r *vmResource) planUpdate(ctx context.Context, state, plan *vmModel, resp *resource.ModifyPlanResponse) {
	if r.data == nil || r.data.vms == nil || !known(state.ID) {
		return
	}
	spec := plan.planSpec(ctx, &resp.Diagnostics)
	up, err := r.data.vms.PlanUpdate(ctx, state.ID.ValueString(), spec)
	if err != nil {
		if vm.IsNotFound(err) {
			return // Read will drop it; the plan recreates it
		}
		addVMErrors(&resp.Diagnostics, "Cannot Update VM", err)
		return
	}
	if len(up.NeedsPowerOff) > 0 && state.PowerState.ValueString() == vm.PowerOn && !plan.AllowPowerCycle.ValueBool() {
		// A warning, not an error: a plan must still show drift; the apply
		// refuses before changing anything.
		resp.Diagnostics.AddAttributeWarning(path.Root("allow_power_cycle"), "Update Needs A Power Cycle",
			fmt.Sprintf("Changing %s cannot be done while the VM runs, so this apply will fail. Set allow_power_cycle = true to let ceso power it off and on again, "+
				"enable cpu_hot_add / memory_hot_add for later changes, or power the VM off first.", strings.Join(up.NeedsPowerOff, ", ")))
	}
	if len(up.DeletesDisks) > 0 {
		resp.Diagnostics.AddWarning("Disks Will Be Deleted",
			"This update deletes the files of: "+strings.Join(up.DeletesDisks, ", ")+". Set keep_on_remove = true on a disk to detach it and keep its files instead.")
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
	spec, opts := plan.planSpec(ctx, &resp.Diagnostics), plan.options(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
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
			plan.fill(ctx, res.State, len(plan.Disks) > 0, len(plan.NICs) > 0, &resp.Diagnostics)
			resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
		}
		return
	}
	if res.Replaced {
		resp.Diagnostics.AddWarning("Cleaned Up An Interrupted Create",
			fmt.Sprintf("An earlier create of %q left an incomplete VM; ceso removed it and created the VM again.", spec.Name))
	}
	plan.fill(ctx, res.State, len(plan.Disks) > 0, len(plan.NICs) > 0, &resp.Diagnostics)
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
	state.fill(ctx, st, len(state.Disks) > 0, len(state.NICs) > 0, &resp.Diagnostics)
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
	spec, opts := plan.planSpec(ctx, &resp.Diagnostics), plan.options(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	action := policy.ActionUpdate
	if forcesPowerOff(&state, &plan) {
		action = policy.ActionPowerOffForced
	} else {
		opts.AllowForcedPowerOff = false
	}
	var res *vm.Result
	op := guard.Op{ResourceType: vmType, Object: spec.Name, Action: action, Details: map[string]any{"uuid": state.ID.ValueString()}}
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
	plan.fill(ctx, res.State, len(plan.Disks) > 0, len(plan.NICs) > 0, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *vmResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state vmModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	api := r.api(&resp.Diagnostics)
	if resp.Diagnostics.HasError() || api == nil {
		return
	}
	timeout, d := state.Timeouts.Delete(ctx, 30*time.Minute)
	resp.Diagnostics.Append(d...)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	op := guard.Op{ResourceType: vmType, Object: state.Name.ValueString(), Action: policy.ActionDelete,
		Details: map[string]any{"uuid": state.ID.ValueString()}}
	r.data.guarded(ctx, &resp.Diagnostics, op, "Cannot Delete VM", func(ctx context.Context) error {
		_, err := api.Delete(ctx, state.ID.ValueString())
		if vm.IsNotFound(err) {
			return nil // already gone: the goal is reached
		}
		return err
	})
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
