package provider

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"

	"github.com/esxi-commander/terraform-provider-ceso/internal/backup"
)

var _ resource.ResourceWithUpgradeState = (*backupResource)(nil)

// UpgradeState upgrades ceso_backup state of schema version 0, whose
// verify was a bool, to version 1, where verify is "true", "false" or
// "boot" and the restore drill's and disk selection's attributes exist
// (at their defaults: a backup of version 0 ran no drill and left no disk
// out). The JSON is rewritten in place.
func (r *backupResource) UpgradeState(context.Context) map[int64]resource.StateUpgrader {
	return map[int64]resource.StateUpgrader{0: {StateUpgrader: upgradeBackupStateV0}}
}

func upgradeBackupStateV0(_ context.Context, req resource.UpgradeStateRequest, resp *resource.UpgradeStateResponse) {
	if req.RawState == nil || req.RawState.JSON == nil {
		resp.Diagnostics.AddError("Cannot Upgrade Backup State", "The stored ceso_backup state is empty or not JSON. Remove the resource from the state and import the backup again.")
		return
	}
	out, err := upgradeBackupJSONV0(req.RawState.JSON)
	if err != nil {
		resp.Diagnostics.AddError("Cannot Upgrade Backup State",
			fmt.Sprintf("The stored ceso_backup state (schema version 0) could not be read: %v. Remove the resource from the state and import the backup again.", err))
		return
	}
	resp.DynamicValue = &tfprotov6.DynamicValue{JSON: out}
}

func upgradeBackupJSONV0(in []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(in))
	dec.UseNumber()
	var st map[string]any
	if err := dec.Decode(&st); err != nil {
		return nil, err
	}
	switch v := st["verify"].(type) {
	case bool:
		st["verify"] = backup.VerifyNone
		if v {
			st["verify"] = backup.VerifyFiles
		}
	case nil:
	default:
		return nil, fmt.Errorf("verify is %v, not a bool", v)
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
	return json.Marshal(st)
}
