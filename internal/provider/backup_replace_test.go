package provider_test

import (
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/acctest"
	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
)

// TestAccBackup_replaceKeepsThePriorBackup changes triggers, which replaces
// the backup, with the default retain_on_destroy and keep = 1. The host is
// watched while the new backup is made: when its snapshot is taken, the
// prior backup's folder and manifest must still be there; after the apply
// only the new one is left (keep pruned the old one once the new one was
// complete).
func TestAccBackup_replaceKeepsThePriorBackup(t *testing.T) {
	h := acctest.StartHost(t, simhost.Options{})
	cfg := func(run int) string {
		return h.ProviderConfig(unrestricted) + backupVM("rep-01") + fmt.Sprintf(`
resource "ceso_backup" "b" {
  vm          = ceso_vm.src.id
  destination = %q
  keep        = 1
  triggers = {
    run = "%d"
  }
}
`, backupDest, run)
	}
	var first string
	var mu sync.Mutex
	var seenAtSnapshot [][]string // manifest-holding backup folders when each snapshot was taken
	h.AddHook(func(_ *simulator.Context, m *simulator.Method) types.BaseMethodFault {
		if m.Name != "CreateSnapshot_Task" {
			return nil
		}
		f, err := backupFolders(h, "rep-01")
		if err != nil {
			t.Errorf("list backups: %v", err)
			return nil
		}
		var complete []string
		for id, files := range f {
			if slices.Contains(files, "manifest.json") {
				complete = append(complete, id)
			}
		}
		mu.Lock()
		seenAtSnapshot = append(seenAtSnapshot, complete)
		mu.Unlock()
		return nil
	})
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: cfg(1),
				Check: func(s *terraform.State) error {
					first = stateAttr(s, "ceso_backup.b", "id")
					return nil
				},
			},
			{
				Config: cfg(2),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("ceso_backup.b", plancheck.ResourceActionDestroyBeforeCreate)}},
				Check: func(s *terraform.State) error {
					mu.Lock()
					defer mu.Unlock()
					if len(seenAtSnapshot) != 2 || !slices.Contains(seenAtSnapshot[1], first) {
						return fmt.Errorf("when the new backup's snapshot was taken, the complete backups were %v; the prior one, %s, must still be there", seenAtSnapshot, first)
					}
					f, err := backupFolders(h, "rep-01")
					if err != nil {
						return err
					}
					second := stateAttr(s, "ceso_backup.b", "id")
					if got := folderIDs(f); len(got) != 1 || got[0] != second || second == first {
						return fmt.Errorf("after the replacement the folders are %v; want only the new backup %s (keep = 1 pruned %s after it)", got, second, first)
					}
					return nil
				},
			},
			{Config: cfg(2), ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}},
			{ResourceName: "ceso_backup.b", ImportState: true, ImportStateVerify: true, ImportStateVerifyIgnore: []string{"timeouts"}},
		},
	})
}
