package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/resource"

	"github.com/esxi-commander/terraform-provider-ceso/internal/backup"
)

var _ resource.ResourceWithUpgradeState = (*backupResource)(nil)

// UpgradeState upgrades ceso_backup state of schema version 0, whose
// verify was a bool, to version 1, where verify is "true", "false" or
// "boot" and the restore drill's and disk selection's attributes exist
// (at their defaults: a backup of version 0 ran no drill and left no disk
// out). The JSON is rewritten in place.
func (r *backupResource) UpgradeState(context.Context) map[int64]resource.StateUpgrader {
	return map[int64]resource.StateUpgrader{0: jsonUpgrader("ceso_backup", "Backup", "backup", upgradeBackupV0)}
}

// upgradeBackupV0 makes verify a string and sets the attributes version 1
// added to their defaults.
func upgradeBackupV0(st map[string]any) error {
	switch v := st["verify"].(type) {
	case bool:
		st["verify"] = backup.VerifyNone
		if v {
			st["verify"] = backup.VerifyFiles
		}
	case nil:
	default:
		return fmt.Errorf("verify is %v, not a bool", v)
	}
	st["drill_network"] = nil
	st["drill_timeout"] = defaultDrillTimeout
	st["drill_wait_for_ip"] = false
	st["drill_result"] = nil
	// The disk selection came with version 1 too. Its defaults are set
	// here, not left null: skip_independent_disks requires replacement,
	// so a null in the old state against the planned false would replace
	// every existing backup on the first plan after an upgrade.
	st["exclude_disks"] = nil
	st["skip_independent_disks"] = false
	st["skipped_disks"] = []any{}
	return nil
}
