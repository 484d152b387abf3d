package review

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/esxi-commander/terraform-provider-ceso/internal/policy"
)

// Creating a ceso_restore restores a backup over a VM: destructive, the
// page names the backup, the VM and the disks overwritten, and a
// plan-bound grant lists it as a create with the VM's UUID. Destroying one
// only forgets it.
func TestRestoreEffects(t *testing.T) {
	t.Parallel()
	after := map[string]any{"vm": "uuid-1", "backup": "20261130T010000Z-ab12", "vm_name": "db-01", "backup_id": "20261130T010000Z-ab12",
		"backup_time": "2026-11-30T01:00:00Z", "overwritten_disks": []any{"Hard disk 1 (scsi:0:0, [ds] db-01/db-01.vmdk)", "Hard disk 2 (scsi:0:1, [ds] db-01/db-01_1.vmdk)"},
		"empty_disks": []any{}, "power_off": true, "keep_identity": true}
	rep := build(t, planOf(rc("ceso_restore.r", []string{"create"}, nil, after)), Options{})
	if diff := cmp.Diff([]effectLine{{"ceso_restore.r", RestoredOver, policy.Unrestricted}}, effectsOf(rep)); diff != "" {
		t.Errorf("create: effects (-want +got):\n%s", diff)
	}
	c := rep.Changes[0]
	d := c.Items[0].Detail
	for _, want := range []string{"restore backup 20261130T010000Z-ab12 over VM db-01", "disks Hard disk 1 (scsi:0:0", "Hard disk 2 (scsi:0:1", "overwritten", "2026-11-30T01:00:00Z", "powered off"} {
		if !strings.Contains(d, want) {
			t.Errorf("detail %q does not say %q", d, want)
		}
	}
	if c.Object != "db-01" || c.GrantID(policy.ActionRestoreOver) != "uuid-1" || policy.ActionRestoreOver.TerraformAction() != "create" {
		t.Errorf("object %q, grant id %q, terraform action %q", c.Object, c.GrantID(policy.ActionRestoreOver), policy.ActionRestoreOver.TerraformAction())
	}

	rep = build(t, planOf(rc("ceso_restore.r", []string{"delete"}, after, nil)), Options{})
	if diff := cmp.Diff([]effectLine{{"ceso_restore.r", Destroyed, policy.Standard}}, effectsOf(rep)); diff != "" {
		t.Errorf("delete: effects (-want +got):\n%s", diff)
	}
}
