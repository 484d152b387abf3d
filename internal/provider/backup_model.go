package provider

import (
	"context"
	"sort"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/backup"
)

// backupModel is the ceso_backup resource's configuration and state.
type backupModel struct {
	ID                     types.String          `tfsdk:"id"`
	VM                     types.String          `tfsdk:"vm"`
	Destination            types.String          `tfsdk:"destination"`
	Quiesce                types.Bool            `tfsdk:"quiesce"`
	DiskFormat             types.String          `tfsdk:"disk_format"`
	Keep                   types.Int64           `tfsdk:"keep"`
	Triggers               types.Map             `tfsdk:"triggers"`
	Verify                 types.String          `tfsdk:"verify"`
	AllowExistingSnapshots types.Bool            `tfsdk:"allow_existing_snapshots"`
	RetainOnDestroy        types.Bool            `tfsdk:"retain_on_destroy"`
	ExcludeDisks           types.Set             `tfsdk:"exclude_disks"`
	SkipIndependentDisks   types.Bool            `tfsdk:"skip_independent_disks"`
	Retention              *backupRetentionModel `tfsdk:"retention"`
	DrillNetwork           types.String          `tfsdk:"drill_network"`
	DrillTimeout           types.String          `tfsdk:"drill_timeout"`
	DrillWaitForIP         types.Bool            `tfsdk:"drill_wait_for_ip"`

	VMName       types.String `tfsdk:"vm_name"`
	Time         types.String `tfsdk:"time"`
	SizeBytes    types.Int64  `tfsdk:"size_bytes"`
	Files        types.List   `tfsdk:"files"`
	Path         types.String `tfsdk:"path"`
	ManifestPath types.String `tfsdk:"manifest_path"`
	Status       types.String `tfsdk:"status"`
	Quiesced     types.Bool   `tfsdk:"quiesced"`
	SkippedDisks types.List   `tfsdk:"skipped_disks"`
	DrillResult  types.String `tfsdk:"drill_result"`

	Timeouts timeouts.Value `tfsdk:"timeouts"`
}

// spec turns the configuration into the domain's backup spec.
func (m *backupModel) spec(ctx context.Context, diags *diag.Diagnostics) backup.Spec {
	return backup.Spec{
		VM: m.VM.ValueString(), Destination: m.Destination.ValueString(), Quiesce: m.Quiesce.ValueBool(),
		DiskFormat: m.DiskFormat.ValueString(), Keep: int(m.Keep.ValueInt64()), Retention: m.retention(), Verify: m.Verify.ValueString() != backup.VerifyNone,
		AllowExistingSnapshots: m.AllowExistingSnapshots.ValueBool(), Triggers: stringMap(ctx, m.Triggers, diags),
		ExcludeDisks: m.excludeDisks(ctx, diags), SkipIndependentDisks: m.SkipIndependentDisks.ValueBool(),
	}
}

// excludeDisks is exclude_disks as a sorted list (nil when unset).
func (m *backupModel) excludeDisks(ctx context.Context, diags *diag.Diagnostics) []string {
	if m.ExcludeDisks.IsNull() || m.ExcludeDisks.IsUnknown() {
		return nil
	}
	var out []string
	diags.Append(m.ExcludeDisks.ElementsAs(ctx, &out, false)...)
	sort.Strings(out)
	return out
}

// fill sets the computed attributes from a manifest.
func (m *backupModel) fill(ctx context.Context, man *backup.Manifest, diags *diag.Diagnostics) {
	m.ID = types.StringValue(man.ID)
	m.VMName = types.StringValue(man.VM.Name)
	m.Time = types.StringValue(man.Started.UTC().Format(time.RFC3339))
	m.SizeBytes = types.Int64Value(man.SizeBytes)
	files, d := types.ListValueFrom(ctx, types.StringType, man.Paths())
	diags.Append(d...)
	m.Files = files
	m.Path = types.StringValue(man.Dir)
	m.ManifestPath = types.StringValue(man.ManifestPath())
	m.Status = types.StringValue(man.Status)
	m.Quiesced = types.BoolValue(man.Quiesced)
	skipped := make([]string, 0, len(man.Skipped))
	for _, d := range man.Skipped {
		skipped = append(skipped, d.Slot())
	}
	list, d := types.ListValueFrom(ctx, types.StringType, skipped)
	diags.Append(d...)
	m.SkippedDisks = list
	m.DrillResult = drillResult(man)
}

// imported sets every attribute from a manifest, the configuration's ones
// from the options the backup was made with.
func (m *backupModel) imported(ctx context.Context, man *backup.Manifest, diags *diag.Diagnostics) {
	o := man.Options
	m.VM = types.StringValue(man.VM.UUID)
	m.Destination = types.StringValue(man.Destination)
	m.Quiesce = types.BoolValue(o.Quiesce)
	m.DiskFormat = types.StringValue(o.DiskFormat)
	m.Keep = types.Int64Value(int64(o.Keep))
	m.Retention = importedRetention(o)
	m.Verify = types.StringValue(backup.VerifyNone)
	switch {
	case man.Drill != nil:
		m.Verify = types.StringValue(backup.VerifyBoot)
	case o.Verify:
		m.Verify = types.StringValue(backup.VerifyFiles)
	}
	m.DrillNetwork = types.StringNull()
	m.DrillTimeout = types.StringValue(defaultDrillTimeout)
	m.DrillWaitForIP = types.BoolValue(false)
	m.AllowExistingSnapshots = types.BoolValue(o.AllowExistingSnapshots)
	m.RetainOnDestroy = types.BoolValue(true) // the default: an imported backup is never deleted by accident
	m.SkipIndependentDisks = types.BoolValue(o.SkipIndependentDisks)
	m.ExcludeDisks = types.SetNull(types.StringType)
	if len(o.ExcludeDisks) > 0 {
		set, d := types.SetValueFrom(ctx, types.StringType, o.ExcludeDisks)
		diags.Append(d...)
		m.ExcludeDisks = set
	}
	m.Triggers = types.MapNull(types.StringType)
	if len(o.Triggers) > 0 {
		t, d := types.MapValueFrom(ctx, types.StringType, o.Triggers)
		diags.Append(d...)
		m.Triggers = t
	}
	m.fill(ctx, man, diags)
}
