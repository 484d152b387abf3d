package provider_test

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/vmware/govmomi/find"

	"github.com/esxi-commander/terraform-provider-ceso/internal/acctest"
	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
)

// A folder relative to the datacenter's VM folder and a datastore named by
// its inventory path are kept as the configuration spells them: the apply
// is consistent and the next plan is empty, while path shows where the VM is.
func TestAccVM_keepsTheConfiguredSpelling(t *testing.T) {
	h := acctest.StartHost(t, simhost.Options{VCenter: true}) // a standalone host has no VM folders
	ctx := context.Background()
	c, err := h.Client(ctx)
	if err != nil {
		t.Fatal(err)
	}
	root, err := find.NewFinder(c.Client).Folder(ctx, "/DC0/vm")
	if err == nil {
		_, err = root.CreateFolder(ctx, "web")
	}
	_ = c.Logout(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cfg := h.ProviderConfig(unrestricted) + `
resource "ceso_vm" "web" {
  name        = "spell-01"
  folder      = "web"
  datastore   = "/DC0/datastore/LocalDS_0"
  power_state = "off"
}
`
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             vmGone(h, "spell-01"),
		Steps: []resource.TestStep{
			{
				Config: cfg,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("ceso_vm.web", tfjsonpath.New("folder"), knownvalue.StringExact("web")),
					statecheck.ExpectKnownValue("ceso_vm.web", tfjsonpath.New("datastore"), knownvalue.StringExact("/DC0/datastore/LocalDS_0")),
					statecheck.ExpectKnownValue("ceso_vm.web", tfjsonpath.New("path"), knownvalue.StringExact("/DC0/vm/web/spell-01")),
				},
			},
			{Config: cfg, ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}},
		},
	})
}
