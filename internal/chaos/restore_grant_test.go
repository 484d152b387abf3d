package chaos_test

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vmware/govmomi/vim25/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/cli"
	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
)

// A restore over a VM is destructive: in standard mode the approver reviews
// the plan, which names the disks it overwrites, and binds a grant to it
// (a create of ceso_restore with the VM's UUID); the approved plan then
// applies, and the audit records restore_over.
func TestAccChaos_planBoundGrantAllowsRestore(t *testing.T) {
	t.Parallel()
	w := newWorkspace(t)
	h := startHost(t, simhost.Options{})
	auditPath := filepath.Join(t.TempDir(), "audit.jsonl")
	sp := installPolicy(t, w, map[string]any{"audit": map[string]any{"file": auditPath}})
	standard := h.config("", `mode = "standard"`)
	base := `
resource "ceso_vm" "db" {
  name        = "rg-db"
  power_state = "off"
  disk {
    size_gb = 1
  }
}
resource "ceso_backup" "b" {
  vm          = ceso_vm.db.id
  destination = "[LocalDS_0] backups"
}
`
	restore := `
resource "ceso_restore" "r" {
  vm     = ceso_vm.db.id
  backup = ceso_backup.b.id
}
`
	w.mustApply(standard + base)

	planPath := w.planJSON(standard + base + restore)
	var out, errb bytes.Buffer
	if code := cli.Run([]string{"review", planPath}, &out, &errb); code != 0 {
		t.Fatalf("review: exit %d\n%s%s", code, out.String(), errb.String())
	}
	expectOutput(t, out.String(), "Restored from a backup", "over VM rg-db", "(scsi:0:0, [LocalDS_0] rg-db/rg-db.vmdk)", "overwritten")
	token := sp.approve("--plan", planPath, "--host", "127.0.0.1")
	out.Reset()
	errb.Reset()
	if code := cli.Run([]string{"grant", "inspect", "--policy", sp.path, "--plan", planPath, token}, &out, &errb); code != 0 {
		t.Fatalf("grant inspect --plan: exit %d\n%s%s", code, out.String(), errb.String())
	}
	expectOutput(t, out.String(), "plan:       bound to 1 changes", "create ceso_restore")

	w.setEnv("CESO_ELEVATION", token)
	if out, err := w.run("apply", "-input=false", "-no-color", "tfplan"); err != nil {
		t.Fatalf("apply of the approved plan: %v\n%s", err, out)
	}
	var disks []string
	for _, d := range h.VM(context.Background(), "rg-db").Config.Hardware.Device {
		if disk, ok := d.(*types.VirtualDisk); ok {
			b, _ := disk.Backing.(*types.VirtualDiskFlatVer2BackingInfo)
			disks = append(disks, b.FileName)
		}
	}
	if len(disks) != 1 || !strings.Contains(disks[0], "rg-db-restore-") {
		t.Errorf("disks after the approved restore: %q", disks)
	}
	expectAudited(t, auditPath, map[string]string{"kind": "intent", "action": "restore_over", "object": "rg-db"})
}
