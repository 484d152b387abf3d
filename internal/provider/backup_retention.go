package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/resourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/backup"
)

var _ resource.ResourceWithConfigValidators = (*backupResource)(nil)

// backupRetentionModel is the retention block; nil when it is absent.
type backupRetentionModel struct {
	KeepLast    types.Int64 `tfsdk:"keep_last"`
	KeepDaily   types.Int64 `tfsdk:"keep_daily"`
	KeepWeekly  types.Int64 `tfsdk:"keep_weekly"`
	KeepMonthly types.Int64 `tfsdk:"keep_monthly"`
}

// retentionBlock is the GFS policy. Its attributes are plain optional
// numbers without defaults, so a configuration without the block (every
// state made before it existed) plans no change.
func retentionBlock() schema.Block {
	count := func(desc string) schema.Int64Attribute {
		return schema.Int64Attribute{Optional: true, MarkdownDescription: desc,
			Validators: []validator.Int64{int64validator.AtLeast(0)}}
	}
	return schema.SingleNestedBlock{
		MarkdownDescription: "Grandfather-father-son retention over the **complete** backups of this VM under `destination` (failed attempts are always removed, incomplete folders are left to the interrupted-backup clean-up). " +
			"A backup survives when any rule keeps it; the backup just made counts and is always kept. Days, weeks and months are UTC: a day is a calendar day, a week an ISO 8601 week (Monday to Sunday), a month a calendar month. " +
			"Each rule keeps the newest backup of each of the N most recent days (weeks, months) that have a backup, so a gap in the schedule does not empty a rule. " +
			"Pruning runs after a backup succeeded, never before, and is the destructive action `backup_prune`: in standard mode it needs a grant, asked before the backup starts. Changes take effect at the next backup.",
		Attributes: map[string]schema.Attribute{
			"keep_last":    count("Keep the N newest backups. The same as `keep`, which stays as its alias; set one of them, not both."),
			"keep_daily":   count("Keep the newest backup of each of the N most recent UTC days that have one."),
			"keep_weekly":  count("Keep the newest backup of each of the N most recent ISO weeks (UTC) that have one."),
			"keep_monthly": count("Keep the newest backup of each of the N most recent calendar months (UTC) that have one."),
		},
	}
}

// ConfigValidators refuses keep beside retention.keep_last: they are the
// same rule, and two values for it would leave the reader guessing.
func (r *backupResource) ConfigValidators(context.Context) []resource.ConfigValidator {
	return []resource.ConfigValidator{
		resourcevalidator.Conflicting(path.MatchRoot("keep"), path.MatchRoot("retention").AtName("keep_last")),
	}
}

// retention is the policy the configuration asks for: keep is keep_last.
func (m *backupModel) retention() backup.Retention {
	p := backup.Retention{Last: int(m.Keep.ValueInt64())}
	if r := m.Retention; r != nil {
		if !r.KeepLast.IsNull() {
			p.Last = int(r.KeepLast.ValueInt64())
		}
		p.Daily, p.Weekly, p.Monthly = int(r.KeepDaily.ValueInt64()), int(r.KeepWeekly.ValueInt64()), int(r.KeepMonthly.ValueInt64())
	}
	return p
}

// retentionDetails is the policy as the guard's audit records it.
func retentionDetails(p backup.Retention) map[string]any {
	return map[string]any{"keep_last": p.Last, "keep_daily": p.Daily, "keep_weekly": p.Weekly, "keep_monthly": p.Monthly}
}

// importedRetention is the block an import recovers from the options the
// backup was made with: absent unless a daily, weekly or monthly rule was
// set (keep_last alone is recorded as keep).
func importedRetention(o backup.Options) *backupRetentionModel {
	if o.KeepDaily == 0 && o.KeepWeekly == 0 && o.KeepMonthly == 0 {
		return nil
	}
	opt := func(n int) types.Int64 {
		if n == 0 {
			return types.Int64Null()
		}
		return types.Int64Value(int64(n))
	}
	return &backupRetentionModel{KeepLast: types.Int64Null(), KeepDaily: opt(o.KeepDaily), KeepWeekly: opt(o.KeepWeekly), KeepMonthly: opt(o.KeepMonthly)}
}
