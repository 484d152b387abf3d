package provider_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/esxi-commander/terraform-provider-ceso/internal/acctest"
	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
)

func relocateConfig(h *acctest.Host, ds string) string {
	return h.ProviderConfig(unrestricted) + fmt.Sprintf(`
resource "ceso_vm" "mover" {
  name        = "mover-01"
  datastore   = %q
  power_state = "off"
}
`, ds)
}

// On vCenter, a datastore change moves the VM (Storage vMotion): an
// update in place, the same UUID, its files on the new datastore.
func TestAccVM_datastoreChangeRelocates(t *testing.T) {
	h := acctest.StartHost(t, simhost.Options{VCenter: true, Datastores: 2})
	same := statecheck.CompareValue(compare.ValuesSame())
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             vmGone(h, "mover-01"),
		Steps: []resource.TestStep{
			{
				Config:            relocateConfig(h, "LocalDS_0"),
				ConfigStateChecks: []statecheck.StateCheck{same.AddStateValue("ceso_vm.mover", tfjsonpath.New("id"))},
			},
			{
				Config: relocateConfig(h, "LocalDS_1"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("ceso_vm.mover", plancheck.ResourceActionUpdate)}},
				ConfigStateChecks: []statecheck.StateCheck{
					same.AddStateValue("ceso_vm.mover", tfjsonpath.New("id")),
					statecheck.ExpectKnownValue("ceso_vm.mover", tfjsonpath.New("datastore"), knownvalue.StringExact("LocalDS_1")),
					acctest.HostCheck(func() error {
						v := h.VM(context.Background(), "mover-01")
						if p := v.Config.Files.VmPathName; !strings.HasPrefix(p, "[LocalDS_1] ") {
							return fmt.Errorf("the VM's files are at %s, want them on LocalDS_1", p)
						}
						if n := h.CountMethod("RelocateVM_Task"); n != 1 {
							return fmt.Errorf("RelocateVM_Task called %d times, want 1", n)
						}
						return nil
					}),
				},
			},
			{Config: relocateConfig(h, "LocalDS_1"), ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}},
		},
	})
}

// A standalone host cannot move a VM: the same change plans a replacement
// and says why.
func TestAccVM_datastoreChangeReplacesOnStandaloneHost(t *testing.T) {
	h := acctest.StartHost(t, simhost.Options{Datastores: 2})
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             vmGone(h, "mover-01"),
		Steps: []resource.TestStep{
			{Config: relocateConfig(h, "LocalDS_0")},
			{
				Config: relocateConfig(h, "LocalDS_1"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("ceso_vm.mover", plancheck.ResourceActionDestroyBeforeCreate)}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("ceso_vm.mover", tfjsonpath.New("datastore"), knownvalue.StringExact("LocalDS_1")),
					acctest.HostCheck(func() error {
						if n := h.CountMethod("RelocateVM_Task"); n != 0 {
							return fmt.Errorf("RelocateVM_Task sent to a standalone host %d times", n)
						}
						return nil
					}),
				},
			},
		},
	})
}
