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

// expectOptions checks Secure Boot, nested HV, the notes and
// disk.EnableUUID in the VM's configuration on the host.
func expectOptions(h *acctest.Host, name string, secureBoot, nested bool, notes, enableUUID string) acctest.HostCheck {
	return func() error {
		c := h.VM(context.Background(), name).Config
		gotSB := c.BootOptions != nil && c.BootOptions.EfiSecureBootEnabled != nil && *c.BootOptions.EfiSecureBootEnabled
		gotNH := c.NestedHVEnabled != nil && *c.NestedHVEnabled
		var gotUUID string
		for _, o := range c.ExtraConfig {
			if ov := o.GetOptionValue(); ov.Key == "disk.EnableUUID" {
				gotUUID, _ = ov.Value.(string)
			}
		}
		if gotSB != secureBoot || gotNH != nested || c.Annotation != notes || gotUUID != enableUUID {
			return fmt.Errorf("VM %s on the host: secure boot %v, nested HV %v, notes %q, disk.EnableUUID %q; want %v %v %q %q",
				name, gotSB, gotNH, c.Annotation, gotUUID, secureBoot, nested, notes, enableUUID)
		}
		return nil
	}
}

func TestAccVM_options(t *testing.T) {
	h := acctest.StartHost(t, simhost.Options{})
	cfg := func(nested bool, notes string) string {
		return h.ProviderConfig(unrestricted) + fmt.Sprintf(`
resource "ceso_vm" "opt" {
  name            = "opt-01"
  firmware        = "efi"
  power_state     = "off"
  efi_secure_boot = true
  nested_hv       = %v
  notes           = %q
}
`, nested, notes)
	}
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             vmGone(h, "opt-01"),
		Steps: []resource.TestStep{
			{
				Config: cfg(true, "owner: web team"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("ceso_vm.opt", tfjsonpath.New("disk_enable_uuid"), knownvalue.Bool(true)),
					expectOptions(h, "opt-01", true, true, "owner: web team", "TRUE"),
				},
			},
			{Config: cfg(true, "owner: web team"), ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}},
			{
				Config: cfg(false, "owner: platform team"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("ceso_vm.opt", plancheck.ResourceActionUpdate)}},
				ConfigStateChecks: []statecheck.StateCheck{expectOptions(h, "opt-01", true, false, "owner: platform team", "TRUE")},
			},
			{ResourceName: "ceso_vm.opt", ImportState: true, ImportStateVerify: true, ImportStateVerifyIgnore: vmImportIgnore},
			{Config: cfg(false, ""), ExpectError: acctest.ErrorMatching("Cannot Clear Notes")},
		},
	})
}

// Secure Boot on a BIOS VM is refused at plan.
func TestAccVM_secureBootNeedsEFI(t *testing.T) {
	h := acctest.StartHost(t, simhost.Options{})
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{{
			Config: h.ProviderConfig(unrestricted) + `
resource "ceso_vm" "bios" {
  name            = "bios-01"
  power_state     = "off"
  efi_secure_boot = true
}
`,
			ExpectError: acctest.ErrorMatching("Secure Boot Needs EFI"),
		}},
	})
}
