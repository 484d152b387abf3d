package provider_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	vimtypes "github.com/vmware/govmomi/vim25/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/acctest"
	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
)

// expectOnPortGroup checks, through the API, that each VM's adapters are
// all on the port group.
func expectOnPortGroup(h *acctest.Host, pg string, vms ...string) acctest.HostCheck {
	return func() error {
		for _, name := range vms {
			n := 0
			for _, d := range h.VM(context.Background(), name).Config.Hardware.Device {
				nic, ok := d.(vimtypes.BaseVirtualEthernetCard)
				if !ok {
					continue
				}
				b, ok := nic.GetVirtualEthernetCard().Backing.(*vimtypes.VirtualEthernetCardNetworkBackingInfo)
				if !ok || b.DeviceName != pg {
					return fmt.Errorf("VM %s has an adapter on %v, want %s", name, nic.GetVirtualEthernetCard().Backing, pg)
				}
				n++
			}
			if n == 0 {
				return fmt.Errorf("VM %s has no adapter", name)
			}
		}
		return nil
	}
}

// TestAccExamples_webTierVLAN applies the web-tier-vlan scenario to a
// simulated host as it is written (the template's and the port group's
// names aside), plans nothing the second time, and destroys it: the VMs
// before the port group, the port group before the vSwitch.
func TestAccExamples_webTierVLAN(t *testing.T) {
	h := acctest.StartHost(t, simhost.Options{})
	// The test framework's state shim cannot read for_each keys, so the
	// scenario's for_each over local.web becomes a count over the same
	// map (keys and values in the same, sorted order).
	names := []string{`"ubuntu-24.04-template"`, `"ceso-template"`, `"web-vlan${var.vlan_id}"`, `"web-vlan"`,
		"for_each = local.web", "count = length(local.web)",
		"ceso_cloudinit.web[each.key]", "ceso_cloudinit.web[count.index]",
		"each.key", "keys(local.web)[count.index]",
		"each.value.address", "values(local.web)[count.index].address",
		"local.web[name].address", "values(local.web)[name].address"}
	cfg := h.ProviderConfig(unrestricted) + example(t, "scenarios/web-tier-vlan/main.tf", "", names...)
	vars := config.Variables{
		"web_count":      config.IntegerVariable(2),
		"ssh_public_key": config.StringVariable("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMDSx01hAA179OhFWdxFqQohIxFQmONyYwsdpIyPfgVr examples@ceso.invalid"),
	}
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy: func(*terraform.State) error {
			if n := h.VMNames(context.Background()); len(n) != 1 { // the template stays
				return fmt.Errorf("VMs left: %v", n)
			}
			return expectNetwork(h, 0, nil, -1)()
		},
		Steps: []resource.TestStep{
			{
				Config: cfg, ConfigVariables: vars,
				ConfigStateChecks: []statecheck.StateCheck{
					expectNetwork(h, 1500, []string{"vmnic1"}, 42),
					expectOnPortGroup(h, "web-vlan", "web-01", "web-02"),
				},
			},
			{Config: cfg, ConfigVariables: vars, ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}},
		},
	})
}
