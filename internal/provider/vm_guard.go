package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/guard"
	"github.com/esxi-commander/terraform-provider-ceso/internal/policy"
	"github.com/esxi-commander/terraform-provider-ceso/internal/vm"
)

// This file says what the guard decides a ceso_vm change on: the VM's
// identity on the host and the destructive effects the domain reports.

// vmOp is the guarded operation on the VM the state describes (none for a
// create): it carries the VM's UUID and its name in state, so the guard
// decides on the VM as it is on the host.
func vmOp(state *vmModel, object string, action policy.Action) guard.Op {
	op := guard.Op{ResourceType: vmType, Object: object, Action: action}
	if id := state.ID.ValueString(); id != "" {
		op.ID, op.StateName = id, state.Name.ValueString()
		op.Details = map[string]any{"uuid": id}
	}
	return op
}

// updateEffects are the effects of an update the audit and the guard must
// see beside "update", taken from the domain's update plan: a running VM
// power-cycled (power_cycle, standard: the configuration allowed it), the
// files of removed disks deleted, and a hard power-off, either to reach
// power_state "off" or as the fallback of a power cycle's shutdown.
func updateEffects(state, plan *vmModel, up *vm.UpdatePlan) []policy.Action {
	var out []policy.Action
	cycles := powerCycles(state, plan, up) && plan.AllowPowerCycle.ValueBool()
	if cycles {
		out = append(out, policy.ActionPowerCycle)
	}
	if forcesPowerOff(state, plan) || cycles && plan.ForcePowerOff.ValueBool() {
		out = append(out, policy.ActionPowerOffForced)
	}
	if up != nil && len(up.DeletesDisks) > 0 {
		out = append(out, policy.ActionDiskDelete)
	}
	return out
}

// powerCycles reports whether the update must power the VM off and on
// again: a change needs it off, the VM is not off, and the configuration
// wants it running afterwards (one that powers it off needs no cycle). It
// mirrors the rule vm.Update applies.
func powerCycles(state, plan *vmModel, up *vm.UpdatePlan) bool {
	return up != nil && len(up.NeedsPowerOff) > 0 && state.PowerState.ValueString() != vm.PowerOff &&
		plan.PowerState.ValueString() != vm.PowerOff
}

// currentName looks the VM up by UUID on the host, for the guard.
func currentName(api vm.API, uuid string) func(context.Context) (string, error) {
	return func(ctx context.Context) (string, error) {
		st, err := api.Read(ctx, uuid, vm.ReadOptions{})
		if vm.IsNotFound(err) {
			return "", nil
		}
		if err != nil {
			return "", err
		}
		return st.Name, nil
	}
}

// takesOver reports whether a create of name would find a VM of that name
// already on the host: planCreate refuses one ceso did not make and a
// complete one of another state, so one found here is the incomplete VM of
// a create that died, which the create removes (adopt_existing). The apply
// decides again, on what it finds then.
func (r *vmResource) takesOver(ctx context.Context, name types.String) bool {
	if r.data == nil || r.data.vms == nil || !known(name) {
		return false
	}
	st, err := r.data.vms.Lookup(ctx, name.ValueString(), vm.ReadOptions{})
	return err == nil && st != nil
}
