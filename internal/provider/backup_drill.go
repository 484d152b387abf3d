package provider

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/backup"
	"github.com/esxi-commander/terraform-provider-ceso/internal/backup/drill"
	"github.com/esxi-commander/terraform-provider-ceso/internal/guard"
	"github.com/esxi-commander/terraform-provider-ceso/internal/policy"
)

// verifyAttribute is ceso_backup's verify: the cheap file check by default,
// a restore drill with "boot".
func verifyAttribute() schema.Attribute {
	return schema.StringAttribute{Optional: true, Computed: true, Default: stringdefault.StaticString(backup.VerifyFiles),
		PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
		Validators:    []validator.String{stringvalidator.OneOf(backup.VerifyNone, backup.VerifyFiles, backup.VerifyBoot)},
		MarkdownDescription: "How the backup is checked before it counts as complete. `true` (default): the copies re-read from the datastore, every file present, each disk descriptor parsed and its capacity compared with the source disk's, the configuration files' sizes compared with the source's, SHA-256 checksums of every small file recorded in the manifest. " +
			"`boot`: that, then a restore drill: the backup restored as a temporary VM named `<vm name>-ceso-drill-<id>`, with its network adapters unplugged (or on `drill_network`), powered on until its guest reports a VMware Tools heartbeat within `drill_timeout` (and an IP address with `drill_wait_for_ip`), then deleted with its files, whatever the outcome. " +
			"The result goes into the manifest (`drill`), the `drill_result` attribute and the `ceso_backup_drill_success` metric. A failed drill fails the apply; the backup itself stays complete and in the state, marked tainted, so the next apply makes (and drills) a new one. " +
			"`false`: no check. `true` and `false` are the boolean values of earlier versions."}
}

// defaultDrillTimeout is drill_timeout's default (drill.DefaultTimeout).
const defaultDrillTimeout = "5m"

// drillAttributes are the restore drill's settings and result.
func drillAttributes() map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"drill_network": schema.StringAttribute{Optional: true,
			MarkdownDescription: "With `verify = \"boot\"`: an isolated port group the drill VM's adapters are connected to. Unset (default), the adapters are added unplugged, not connected at power-on and not connectable by the guest, so the drill VM never reaches the network of the VM it restores. A port group that does not exist fails the plan. Used at the drill; a change later runs no new drill."},
		"drill_timeout": schema.StringAttribute{Optional: true, Computed: true, Default: stringdefault.StaticString(defaultDrillTimeout), Validators: durationValidators(),
			MarkdownDescription: "With `verify = \"boot\"`: how long the restored guest has to report a VMware Tools heartbeat (and an IP address with `drill_wait_for_ip`), default `5m`. The whole backup, drill included, stays within `timeouts.create`."},
		"drill_wait_for_ip": schema.BoolAttribute{Optional: true, Computed: true, Default: booldefault.StaticBool(false),
			MarkdownDescription: "With `verify = \"boot\"`: the drill also waits for the guest to report an IP address (with unplugged adapters only an address the guest gives itself; use `drill_network` with DHCP for a real one)."},
		"drill_result": schema.StringAttribute{Computed: true, PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			MarkdownDescription: "Result of the restore drill recorded in the manifest: `ok` or `failed` (the manifest's `drill.reason` says why); null without a drill."},
	}
}

// drillTimeout reads drill_timeout (validated at plan).
func (m *backupModel) drillTimeout() time.Duration {
	d, err := time.ParseDuration(m.DrillTimeout.ValueString())
	if err != nil || d <= 0 {
		return drill.DefaultTimeout
	}
	return d
}

// drill runs the restore drill of a backup just made, as its own guarded
// operation (backup_drill), and reports a failed drill as an error on
// verify. It returns the manifest with the drill recorded (nil when the
// drill could not run or be recorded).
func (r *backupResource) drill(ctx context.Context, plan *backupModel, man *backup.Manifest, diags *diag.Diagnostics) *backup.Manifest {
	runner := r.data.drills
	if runner == nil {
		diags.AddError("No Host Configured", "Restore drills run on an ESXi host or vCenter; set host, username and password in the provider block.")
		return nil
	}
	spec := drill.Spec{Backup: man.Dir, Network: plan.DrillNetwork.ValueString(), Timeout: plan.drillTimeout(),
		WaitForIP: plan.DrillWaitForIP.ValueBool(), Datacenter: r.data.datacenterScope(types.StringNull())}
	var res *drill.Result
	op := guard.Op{ResourceType: backupType, Object: man.VM.Name, ID: plan.VM.ValueString(), Action: policy.ActionBackupDrill, Details: map[string]any{
		"backup_id": man.ID, "drill_vm": drill.Name(man.VM.Name, man.ID), "network": orUnplugged(spec.Network), "timeout": spec.Timeout.String(), "wait_for_ip": spec.WaitForIP}}
	r.data.guarded(ctx, diags, op, "Restore Drill Could Not Run", func(ctx context.Context) error {
		var err error
		res, err = runner.Run(ctx, spec)
		if res != nil {
			r.data.guard.Metrics().BackupDrill(man.VM.Name, res.Drill.OK(), res.Drill.Finished)
		}
		if err == nil && !res.Drill.OK() {
			// The audit and the operation metrics record the failure too.
			return fmt.Errorf("restore drill of backup %s failed: %s", man.ID, res.Drill.Reason)
		}
		return err
	})
	if res == nil {
		return nil
	}
	for _, s := range res.Swept {
		diags.AddWarning("Removed A Leftover Drill VM", "An earlier restore drill did not finish (its process died); ceso removed its temporary VM "+s+" and its files.")
	}
	for _, w := range res.Warnings {
		diags.AddWarning("Restore Drill Warning", w)
	}
	if !res.Drill.OK() {
		diags.AddAttributeError(path.Root("verify"), "Restore Drill Failed",
			fmt.Sprintf("Backup %s is complete, but restored as the temporary VM %s it did not boot: %s. The temporary VM and its files were removed. "+
				"The manifest records the failure; the backup stays in the state, tainted, so the next apply makes and drills a new one. "+
				"Check that VMware Tools (open-vm-tools) run in the guest, or raise drill_timeout.", man.ID, res.Drill.VMName, res.Drill.Reason))
	}
	return res.Manifest
}

func orUnplugged(network string) string {
	if network == "" {
		return "(unplugged)"
	}
	return network
}

// drillResult is the drill_result attribute of a manifest.
func drillResult(man *backup.Manifest) types.String {
	if man == nil || man.Drill == nil {
		return types.StringNull()
	}
	return types.StringValue(man.Drill.Result)
}
