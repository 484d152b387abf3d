package provider

import (
	"context"
	"slices"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/backup"
)

// restoreModel is the ceso_restore resource's configuration and state.
type restoreModel struct {
	ID           types.String `tfsdk:"id"`
	VM           types.String `tfsdk:"vm"`
	Backup       types.String `tfsdk:"backup"`
	KeepIdentity types.Bool   `tfsdk:"keep_identity"`
	PowerOff     types.Bool   `tfsdk:"power_off"`
	Triggers     types.Map    `tfsdk:"triggers"`

	VMName           types.String `tfsdk:"vm_name"`
	BackupID         types.String `tfsdk:"backup_id"`
	BackupTime       types.String `tfsdk:"backup_time"`
	OverwrittenDisks types.List   `tfsdk:"overwritten_disks"`
	EmptyDisks       types.List   `tfsdk:"empty_disks"`
	Disks            types.List   `tfsdk:"disks"`
	RestoredAt       types.String `tfsdk:"restored_at"`

	Timeouts timeouts.Value `tfsdk:"timeouts"`
}

// spec turns the configuration into the domain's restore.
func (m *restoreModel) spec(datacenter string) backup.InPlace {
	return backup.InPlace{VM: m.VM.ValueString(), Backup: m.Backup.ValueString(), Datacenter: datacenter,
		KeepIdentity: m.KeepIdentity.ValueBool(), PowerOff: m.PowerOff.ValueBool()}
}

// planned sets what the plan can say before the restore runs.
func (m *restoreModel) planned(ctx context.Context, p *backup.InPlacePlan, diags *diag.Diagnostics) {
	m.VMName = types.StringValue(p.VMName)
	m.BackupID = types.StringValue(p.Manifest.ID)
	m.BackupTime = types.StringValue(p.Manifest.Started.UTC().Format(time.RFC3339))
	m.OverwrittenDisks = stringListValue(ctx, p.Overwritten, diags)
	m.EmptyDisks = stringListValue(ctx, p.Empty, diags)
}

// sameAsPlanned reports whether the host still matches what the plan showed.
func (m *restoreModel) sameAsPlanned(ctx context.Context, p *backup.InPlacePlan) bool {
	if !known(m.OverwrittenDisks) || !known(m.BackupID) {
		return true
	}
	var want []string
	if d := m.OverwrittenDisks.ElementsAs(ctx, &want, false); d.HasError() {
		return false
	}
	return m.BackupID.ValueString() == p.Manifest.ID && slices.Equal(want, nonNil(p.Overwritten))
}

func stringListValue(ctx context.Context, in []string, diags *diag.Diagnostics) types.List {
	l, d := types.ListValueFrom(ctx, types.StringType, nonNil(in))
	diags.Append(d...)
	return l
}
