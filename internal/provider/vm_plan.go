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
	r.data.markArrivingDisks(spec.Disks)
	up, err := r.data.vms.PlanUpdate(ctx, state.ID.ValueString(), spec)
	if err != nil {
		if vm.IsNotFound(err) {
			return nil // Read will drop it; the plan recreates it
		}
		addVMErrors(&resp.Diagnostics, "Cannot Update VM", err)
		return nil
	}
	plan.applyPlanned(up)
	cycles := powerCycles(state, plan, up)
	if !nicsChange(up) {
		if plan.MACAddresses.IsUnknown() {
			plan.MACAddresses = state.MACAddresses
		}
		if !cycles && up.PowerChange == "" {
			plan.keepGuestReport(state)
		}
	}
	resp.Diagnostics.Append(resp.Plan.Set(ctx, plan)...)
	name := state.Name.ValueString()
	switch {
	case cycles && !plan.AllowPowerCycle.ValueBool():
		// An error, not a warning: the apply would fail before changing
		// anything, so a plan that looks applicable would only mislead
		// the reviewer who approves it.
		resp.Diagnostics.AddAttributeError(path.Root("allow_power_cycle"), "Update Needs A Power Cycle",
			fmt.Sprintf("Changing %s of VM %q cannot be done while it is %s, and allow_power_cycle is false. To allow it, either set allow_power_cycle = true "+
				"(ceso shuts the guest down and powers the VM on again), enable cpu_hot_add / memory_hot_add for CPU and memory changes "+
				"(changing those flags itself needs the VM off), or power the VM off first (power_state = \"off\").",
				strings.Join(up.NeedsPowerOff, ", "), name, state.PowerState.ValueString())+coldDeviceNote(up))
	case cycles:
		detail := fmt.Sprintf("VM %q will be shut down and powered on again to change %s (allow_power_cycle = true); its guest is unavailable meanwhile.",
			name, strings.Join(up.NeedsPowerOff, ", "))
		if plan.ForcePowerOff.ValueBool() {
			detail += fmt.Sprintf(" If the guest does not shut down within shutdown_timeout (%s), it is powered off hard (force_power_off = true).", plan.ShutdownTimeout.ValueString())
		}
		resp.Diagnostics.AddAttributeWarning(path.Root("allow_power_cycle"), "VM Will Be Power-Cycled", detail)
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

// keepGuestReport keeps what VMware Tools reported (addresses, tools
// status) from the state when the update neither power-cycles the VM, nor
// changes its power state, nor touches its adapters: nothing in such an
// update makes the guest report anything else, so "known after apply"
// would only spill into every output that uses them. The apply returns
// these same values (see keepPlannedGuestReport), and the next refresh
// reads the guest's real ones, as it would without any change.
func (m *vmModel) keepGuestReport(state *vmModel) {
	if m.IPAddresses.IsUnknown() {
		m.IPAddresses = state.IPAddresses
	}
	if m.DefaultIP.IsUnknown() {
		m.DefaultIP = state.DefaultIP
	}
	if m.ToolsStatus.IsUnknown() {
		m.ToolsStatus = state.ToolsStatus
	}
}

// keepPlannedGuestReport restores, after an apply filled m from the host,
// the guest report values the plan promised (keepGuestReport): the CLI
// rejects an apply whose result differs from a known planned value, and a
// guest that happened to report a new address mid-apply is seen by the
// next refresh instead.
func (m *vmModel) keepPlannedGuestReport(planned *vmModel) {
	if known(planned.IPAddresses) {
		m.IPAddresses = planned.IPAddresses
	}
	if !planned.DefaultIP.IsUnknown() {
		m.DefaultIP = planned.DefaultIP
	}
	if !planned.ToolsStatus.IsUnknown() {
		m.ToolsStatus = planned.ToolsStatus
	}
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
	if len(res.DetachedDisks) > 0 {
		tflog.Info(ctx, "attached disks detached, files kept", map[string]any{"paths": strings.Join(res.DetachedDisks, ", ")})
	}
	if len(res.DeletedDisks) > 0 {
		tflog.Info(ctx, "disk files deleted", map[string]any{"paths": strings.Join(res.DeletedDisks, ", ")})
	}
}
