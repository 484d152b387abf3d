package chaos_test

import (
	"fmt"
	"testing"

	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
)

// A backup of a VM runs in one workspace (its disk copy still on the host)
// when another workspace backs up the same VM: the second must not take the
// first one's snapshot and folder for leftovers of an interrupted backup
// and remove them; it refuses until the first is done, then backs up.
func TestAccChaos_twoBackupsOfOneVM(t *testing.T) {
	t.Parallel()
	wa, wb := newWorkspace(t), newWorkspace(t)
	h := startHost(t, simhost.Options{})
	t.Cleanup(h.ReleaseCopies)
	const dest = "[LocalDS_0] backups"
	src := h.config("") + `
resource "ceso_vm" "src" {
  name        = "db-01"
  power_state = "on"
  disk {
    size_gb = 1
  }
}
`
	wa.mustApply(src)
	uuid := h.vmUUID("db-01")
	cfgA := src + fmt.Sprintf(`
resource "ceso_backup" "a" {
  vm                = ceso_vm.src.id
  destination       = %q
  retain_on_destroy = false
}
`, dest)
	cfgB := h.config("") + fmt.Sprintf(`
resource "ceso_backup" "b" {
  vm                = %q
  destination       = %q
  retain_on_destroy = false
}
`, uuid, dest)

	h.HoldCopies()
	first := wa.applyAsync(cfgA)
	eventually(t, "the first backup copies a disk", func() bool { return h.StartedCopies() >= 1 })
	second := wb.applyAsync(cfgB)
	b, ended := until(t, h, second, 1)
	h.ReleaseCopies()
	if !ended {
		b = <-second
		t.Errorf("the second backup copied disks while the first ran\n%s", b.out)
	}
	if a := <-first; a.err != nil {
		t.Errorf("the first backup failed: %v\n%s", a.err, a.out)
	}
	if b.err == nil {
		t.Errorf("the second backup succeeded while the first ran\n%s", b.out)
	} else {
		expectOutput(t, b.out, "Backup Already Running", "db-01")
	}
	if n := len(wb.stateResources()); n != 0 {
		t.Errorf("the refused backup left %d resources in state", n)
	}
	if _, ok := wa.stateResources()["ceso_backup.a"]; !ok {
		t.Error("the first workspace holds no backup")
	}

	// The first is done: the second backs up now.
	wb.mustApply(cfgB)
	wb.destroy(cfgB)
	wa.destroy(cfgA)
	h.noLeaks(true)
}
