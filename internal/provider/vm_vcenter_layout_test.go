package provider_test

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/esxi-commander/terraform-provider-ceso/internal/acctest"
	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
)

// A vCenter laid out as many are: the datacenter inside a folder, its
// datastore in a datastore cluster, a vApp in its cluster. VMs land in the
// datacenter's real VM folder (or the folder named) on the datastore of the
// cluster, with the provider's datacenter, and import by their real path.
func TestAccVM_vCenterLayout(t *testing.T) {
	h := acctest.StartHost(t, simhost.Options{VCenter: true, DatacenterFolders: 1, DatastoreClusters: 1, VApps: 1})
	if err := h.MoveIntoStoragePod(context.Background(), "/F0/DC0/datastore/F0/LocalDS_0", "/F0/DC0/datastore/DC0_POD0"); err != nil {
		t.Fatal(err)
	}
	cfg := h.ProviderConfig(unrestricted, `datacenter = "DC0"`) + `
resource "ceso_vm" "app" {
  name        = "vpx-01"
  template    = "ceso-template"
  power_state = "off"
}

resource "ceso_vm" "filed" {
  name        = "vpx-02"
  template    = "ceso-template"
  folder      = "/F0/DC0/vm/F0"
  power_state = "off"
}
`
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             vmGone(h, "vpx-01"),
		Steps: []resource.TestStep{
			{
				Config: cfg,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("ceso_vm.app", tfjsonpath.New("path"), knownvalue.StringExact("/F0/DC0/vm/vpx-01")),
					statecheck.ExpectKnownValue("ceso_vm.app", tfjsonpath.New("datastore"), knownvalue.StringExact("LocalDS_0")),
					statecheck.ExpectKnownValue("ceso_vm.filed", tfjsonpath.New("path"), knownvalue.StringExact("/F0/DC0/vm/F0/vpx-02")),
				},
			},
			{Config: cfg, ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}},
			{ResourceName: "ceso_vm.app", ImportState: true, ImportStateId: "/F0/DC0/vm/vpx-01", ImportStateVerify: true, ImportStateVerifyIgnore: vmImportIgnore},
		},
	})
}
