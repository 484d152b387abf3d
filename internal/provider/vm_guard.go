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

// updateEffects are the destructive effects of an update, taken from the
// domain's update plan: the files of removed disks are deleted, and a
// running VM may be powered off hard.
func updateEffects(state, plan *vmModel, up *vm.UpdatePlan) []policy.Action {
	var out []policy.Action
	if forcesPowerOff(state, plan) {
		out = append(out, policy.ActionPowerOffForced)
	}
	if up != nil && len(up.DeletesDisks) > 0 {
		out = append(out, policy.ActionDiskDelete)
	}
	return out
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
// already on the host: planCreate refuses one ceso did not make, so one
// found here is a ceso VM the create would take over (adopt_existing). The
// apply decides again, on what it finds then.
func (r *vmResource) takesOver(ctx context.Context, name types.String) bool {
	if r.data == nil || r.data.vms == nil || !known(name) {
		return false
	}
	st, err := r.data.vms.Lookup(ctx, name.ValueString(), vm.ReadOptions{})
	return err == nil && st != nil
}
