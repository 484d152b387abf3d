package provider_test

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/esxi-commander/terraform-provider-ceso/internal/acctest"
	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
)

// The catalog is read from the manifests on the datastore: filters by VM
// name, time and status; a bad time is an error on newer_than.
func TestAccBackupsDataSource_filters(t *testing.T) {
	h := acctest.StartHost(t, simhost.Options{})
	cfg := func(filters string) string {
		return h.ProviderConfig(unrestricted) + fmt.Sprintf(`
resource "ceso_vm" "a" {
  name        = "cat-a"
  template    = "ceso-template"
  power_state = "off"
}
resource "ceso_vm" "b" {
  name        = "cat-b"
  template    = "ceso-template"
  power_state = "on"
}
resource "ceso_backup" "a" {
  vm          = ceso_vm.a.id
  destination = %[1]q
}
resource "ceso_backup" "b" {
  vm          = ceso_vm.b.id
  destination = %[1]q
}
data "ceso_backups" "all" {
  destination = %[1]q
  depends_on  = [ceso_backup.a, ceso_backup.b]
}
data "ceso_backups" "filtered" {
  destination = %[1]q
  %[2]s
  depends_on  = [ceso_backup.a, ceso_backup.b]
}
`, backupDest, filters)
	}
	count := func(addr string, n int) statecheck.StateCheck {
		return statecheck.ExpectKnownValue(addr, tfjsonpath.New("backups"), knownvalue.ListSizeExact(n))
	}
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: cfg(`vm_name = "cat-b"`),
				ConfigStateChecks: []statecheck.StateCheck{
					count("data.ceso_backups.all", 2),
					count("data.ceso_backups.filtered", 1),
					statecheck.ExpectKnownValue("data.ceso_backups.filtered", tfjsonpath.New("backups").AtSliceIndex(0).AtMapKey("vm_name"), knownvalue.StringExact("cat-b")),
					statecheck.ExpectKnownValue("data.ceso_backups.filtered", tfjsonpath.New("backups").AtSliceIndex(0).AtMapKey("verified"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue("data.ceso_backups.filtered", tfjsonpath.New("backups").AtSliceIndex(0).AtMapKey("source_host"), acctest.NonEmpty()),
				},
			},
			{Config: cfg(`newer_than = "1h"`), ConfigStateChecks: []statecheck.StateCheck{count("data.ceso_backups.filtered", 2)}},
			{Config: cfg(`newer_than = "2999-01-01T00:00:00Z"`), ConfigStateChecks: []statecheck.StateCheck{count("data.ceso_backups.filtered", 0)}},
			{Config: cfg(`newer_than = "yesterday"`), ExpectError: acctest.ErrorMatching("Invalid Time", "neither an RFC 3339 time")},
			{Config: cfg(`status = "good"`), ExpectError: acctest.ErrorMatching("status")},
			// The destroy at the end runs with the last configuration.
			{Config: cfg(`status = "failed"`), ConfigStateChecks: []statecheck.StateCheck{count("data.ceso_backups.filtered", 0)}},
		},
	})
}
