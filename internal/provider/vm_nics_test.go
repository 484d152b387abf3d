package provider_test

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/esxi-commander/terraform-provider-ceso/internal/acctest"
	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
)

// TestAccVM_removeFirstOfTwoNICs removes the first of two adapters whose
// MAC addresses the host generated. A lone block without mac_address does
// not say which adapter stays: refused at plan. Naming the second adapter
// by its MAC removes the first and keeps the second device as it is.
func TestAccVM_removeFirstOfTwoNICs(t *testing.T) {
	h := acctest.StartHost(t, simhost.Options{})
	const name = "nics-01"
	nicVM := func(nics string) string {
		return h.ProviderConfig(unrestricted) + fmt.Sprintf(`
variable "mac" {
  type    = string
  default = ""
}
resource "ceso_vm" "n" {
  name        = %q
  guest_id    = "ubuntu64Guest"
  cpus        = 1
  memory_mb   = 512
  power_state = "off"
%s
}
`, name, nics)
	}
	two := nicVM(`
  network_interface {
    network = "VM Network"
  }
  network_interface {
    network      = "VM Network"
    adapter_type = "e1000e"
  }`)
	second := nicVM(`
  network_interface {
    network      = "VM Network"
    adapter_type = "e1000e"
  }`)
	named := nicVM(`
  network_interface {
    network      = "VM Network"
    adapter_type = "e1000e"
    mac_address  = var.mac
  }`)
	var orig []hostNIC
	var secondMAC string
	vars := config.Variables{"mac": lateString{&secondMAC}}
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             vmGone(h, name),
		Steps: []resource.TestStep{
			{
				Config:          two,
				ConfigVariables: vars,
				Check: func(*terraform.State) error {
					orig = hostNICs(h, name)
					if len(orig) != 2 || orig[0].Type != "*types.VirtualVmxnet3" || orig[1].Type != "*types.VirtualE1000e" {
						return fmt.Errorf("want a vmxnet3 and an e1000e adapter on the host, got %v", orig)
					}
					secondMAC = orig[1].MAC
					return nil
				},
			},
			{ // one block without a MAC: which adapter stays is ambiguous
				Config:          second,
				ConfigVariables: vars,
				ExpectError:     acctest.ErrorMatching("mac_address"),
			},
			{ // named by MAC: the first adapter goes, the second stays as it is
				PreConfig: func() {
					if got := hostNICs(h, name); fmt.Sprint(got) != fmt.Sprint(orig) {
						t.Errorf("the refused plan changed the host's adapters: %v, was %v", got, orig)
					}
				},
				Config:          named,
				ConfigVariables: vars,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("ceso_vm.n", plancheck.ResourceActionUpdate)}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("ceso_vm.n", tfjsonpath.New("mac_addresses"), knownvalue.ListSizeExact(1)),
				},
				Check: func(*terraform.State) error {
					if got := hostNICs(h, name); len(got) != 1 || got[0] != orig[1] {
						return fmt.Errorf("want only the second adapter %v on the host, got %v", orig[1], got)
					}
					return nil
				},
			},
			{
				Config:           named,
				ConfigVariables:  vars,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{ResourceName: "ceso_vm.n", ImportState: true, ImportStateVerify: true, ImportStateVerifyIgnore: vmImportIgnore,
				ConfigVariables: vars, Config: named},
		},
	})
}
