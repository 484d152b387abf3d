package provider

import (
	"context"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// warnEmptyRestoredDisks warns at plan time that a restore makes the disks
// the backup left out again, empty. The backup itself is checked at apply,
// so a backup that cannot be read here is left to the apply to report.
func (d *providerData) warnEmptyRestoredDisks(ctx context.Context, diags *diag.Diagnostics, ref, datacenter types.String) {
	if !known(ref) || ref.ValueString() == "" || d == nil || d.client == nil || d.backupAPI == nil {
		return
	}
	man, err := d.backupAPI.Find(ctx, ref.ValueString(), d.datacenterScope(datacenter))
	if err != nil || len(man.Skipped) == 0 {
		return
	}
	diags.AddAttributeWarning(path.Root("backup"), "Restored Disks Will Be Empty",
		"Backup "+man.ID+" left these disks out, so the restored VM gets them empty, with their recorded size: "+
			strings.Join(man.SkippedSummary(), "; ")+". Restore their data another way.")
}
