package provider_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/esxi-commander/terraform-provider-ceso/internal/acctest"
	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
)

// An import block adopts an existing VM; a configuration written from what
// was read then plans nothing, and nothing on the host changes.
func TestAccVM_importBlockThenEmptyPlan(t *testing.T) {
	h := acctest.StartHost(t, simhost.Options{VMs: 1})
	cfg := h.ProviderConfig(unrestricted) + `
import {
  to = ceso_vm.adopted
  id = "ha-host_VM0"
}
resource "ceso_vm" "adopted" {
  name        = "ha-host_VM0"
  power_state = "off"
}
`
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("ceso_vm.adopted", plancheck.ResourceActionNoop)}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("ceso_vm.adopted", tfjsonpath.New("path"), knownvalue.StringExact("/ha-datacenter/vm/ha-host_VM0")),
					acctest.HostCheck(func() error {
						if n := h.CountMethod("ReconfigVM_Task") + h.CountMethod("Destroy_Task") + h.CountMethod("CreateVM_Task"); n != 0 {
							return fmt.Errorf("adopting a VM changed the host (%d write calls)", n)
						}
						return nil
					}),
				},
			},
			{Config: cfg, ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}},
		},
		CheckDestroy: vmGone(h, "ha-host_VM0"),
	})
}

// An imported VM (no ceso marker) is replaced under its own name: the
// plan-time name check must not take the VM being replaced for another.
func TestAccVM_replaceImported(t *testing.T) {
	h := acctest.StartHost(t, simhost.Options{VMs: 1})
	cfg := func(extra string) string {
		return h.ProviderConfig(unrestricted) + fmt.Sprintf(`
import {
  to = ceso_vm.adopted
  id = "ha-host_VM0"
}
resource "ceso_vm" "adopted" {
  name        = "ha-host_VM0"
  power_state = "off"
  %s
}
`, extra)
	}
	var before string
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: cfg(""),
				ConfigStateChecks: []statecheck.StateCheck{acctest.HostCheck(func() error {
					before = h.VM(context.Background(), "ha-host_VM0").Self.Value
					return nil
				})},
			},
			{
				Config: cfg(`firmware = "efi"`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("ceso_vm.adopted", plancheck.ResourceActionDestroyBeforeCreate)}},
				ConfigStateChecks: []statecheck.StateCheck{acctest.HostCheck(func() error {
					v := h.VM(context.Background(), "ha-host_VM0")
					if v.Self.Value == before || v.Config.Firmware != "efi" {
						return fmt.Errorf("want a new efi VM named ha-host_VM0, the host has %s (was %s) with firmware %s", v.Self.Value, before, v.Config.Firmware)
					}
					return nil
				})},
			},
			{Config: cfg(`firmware = "efi"`), ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}},
			{ResourceName: "ceso_vm.adopted", ImportState: true, ImportStateVerify: true, ImportStateVerifyIgnore: vmImportIgnore},
		},
		CheckDestroy: vmGone(h, "ha-host_VM0"),
	})
}
