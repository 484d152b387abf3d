package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/esxi-commander/terraform-provider-ceso/internal/vm"
)

// planUpdate asks the domain what the update does: which device each disk
// and network_interface block names (so the plan shows the values kept
// instead of "known after apply", and a removal the blocks cannot express
// is refused here), which disks' files it deletes, and whether it needs a
// power cycle. The returned plan (nil when the domain was not asked) is
// what the guard action can be chosen from.
func (r *vmResource) planUpdate(ctx context.Context, state, plan *vmModel, resp *resource.ModifyPlanResponse) *vm.UpdatePlan {
	if r.data == nil || r.data.vms == nil || !known(state.ID) {
		return nil
	}
	spec := plan.spec(ctx, &resp.Diagnostics)
	up, err := r.data.vms.PlanUpdate(ctx, state.ID.ValueString(), spec)
	if err != nil {
		if vm.IsNotFound(err) {
			return nil // Read will drop it; the plan recreates it
		}
		addVMErrors(&resp.Diagnostics, "Cannot Update VM", err)
		return nil
	}
	plan.applyPlanned(up)
	if plan.MACAddresses.IsUnknown() && !nicsChange(up) {
		plan.MACAddresses = state.MACAddresses
	}
	resp.Diagnostics.Append(resp.Plan.Set(ctx, plan)...)
	if len(up.NeedsPowerOff) > 0 && state.PowerState.ValueString() == vm.PowerOn && !plan.AllowPowerCycle.ValueBool() {
		// A warning, not an error: a plan must still show drift; the apply
		// refuses before changing anything.
		resp.Diagnostics.AddAttributeWarning(path.Root("allow_power_cycle"), "Update Needs A Power Cycle",
			fmt.Sprintf("Changing %s cannot be done while the VM runs, so this apply will fail. Set allow_power_cycle = true to let ceso power it off and on again, "+
				"enable cpu_hot_add / memory_hot_add for later changes, or power the VM off first.", strings.Join(up.NeedsPowerOff, ", ")))
	}
	if up.DestroysFiles() {
		resp.Diagnostics.AddAttributeWarning(path.Root("disk"), "Disk Files Will Be Deleted",
			"This update removes the disks no disk block names and deletes their files: "+strings.Join(up.DeletesDisks, ", ")+
				". If that is not what you meant, name the disks to keep by unit_number. To keep a disk's files, set keep_on_remove = true on its block and apply before removing the block.")
	}
	if len(up.KeepsDisks) > 0 {
		resp.Diagnostics.AddAttributeWarning(path.Root("disk"), "Disks Will Be Detached And Kept",
			"This update detaches "+strings.Join(up.KeepsDisks, ", ")+" (keep_on_remove) and moves the files to the VM's folder with \"-kept\" appended, on the same datastore; ceso no longer manages them.")
	}
	return up
}

// nicsChange reports whether the update adds, removes or readdresses an
// adapter (and so changes mac_addresses).
func nicsChange(up *vm.UpdatePlan) bool {
	for _, c := range up.Changes {
		if strings.HasPrefix(c, "network interface") || strings.HasPrefix(c, "network_interface[") && !strings.HasSuffix(c, ".network") {
			return true
		}
	}
	return false
}

// reportDisks tells the user where the files of detached disks went and
// logs the files deleted (the plan warned about those).
func reportDisks(ctx context.Context, diags *diag.Diagnostics, res *vm.Result) {
	if len(res.KeptDisks) > 0 {
		diags.AddWarning("Disks Detached And Kept",
			"These disks were removed from the VM with keep_on_remove; their files are now at "+strings.Join(res.KeptDisks, ", ")+". ceso no longer manages them: delete them yourself when they are no longer needed.")
	}
	if len(res.DeletedDisks) > 0 {
		tflog.Info(ctx, "disk files deleted", map[string]any{"paths": strings.Join(res.DeletedDisks, ", ")})
	}
}
