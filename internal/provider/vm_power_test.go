package provider_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/acctest"
	"github.com/esxi-commander/terraform-provider-ceso/internal/cloudinit"
	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
)

// hostPower checks the power state the simulated host reports for a VM.
func hostPower(h *acctest.Host, name string, want types.VirtualMachinePowerState) statecheck.StateCheck {
	return acctest.HostCheck(func() error {
		if got := h.VM(context.Background(), name).Runtime.PowerState; got != want {
			return fmt.Errorf("host says %s is %s, want %s", name, got, want)
		}
		return nil
	})
}

func TestAccVM_powerTransitions(t *testing.T) {
	h := acctest.StartHost(t, simhost.Options{})
	cfg := func(power, extra string) string {
		return h.ProviderConfig(unrestricted) + fmt.Sprintf(`
resource "ceso_vm" "p" {
  name             = "power-01"
  template         = "ceso-template"
  power_state      = %q
  shutdown_timeout = "1s"
  %s
}
`, power, extra)
	}
	state := func(want string) statecheck.StateCheck {
		return statecheck.ExpectKnownValue("ceso_vm.p", tfjsonpath.New("power_state"), knownvalue.StringExact(want))
	}
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             vmGone(h, "power-01"),
		Steps: []resource.TestStep{
			{Config: cfg("on", ""), ConfigStateChecks: []statecheck.StateCheck{state("on"), hostPower(h, "power-01", types.VirtualMachinePowerStatePoweredOn)}},
			{ // no VMware Tools in the guest: a graceful shutdown cannot happen, and a hard one was not allowed
				Config:      cfg("off", ""),
				ExpectError: acctest.ErrorMatching("force_power_off"),
			},
			{
				Config:            cfg("off", "force_power_off = true"),
				ConfigStateChecks: []statecheck.StateCheck{state("off"), hostPower(h, "power-01", types.VirtualMachinePowerStatePoweredOff)},
			},
			{Config: cfg("on", "force_power_off = true"), ConfigStateChecks: []statecheck.StateCheck{state("on"), hostPower(h, "power-01", types.VirtualMachinePowerStatePoweredOn)}},
			{Config: cfg("suspended", "force_power_off = true"), ConfigStateChecks: []statecheck.StateCheck{state("suspended"), hostPower(h, "power-01", types.VirtualMachinePowerStateSuspended)}},
			{Config: cfg("on", "force_power_off = true"), ConfigStateChecks: []statecheck.StateCheck{state("on"), hostPower(h, "power-01", types.VirtualMachinePowerStatePoweredOn)}},
			{Config: cfg("on", "force_power_off = true"), ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}},
		},
	})
}

// A new cloud-init payload replaces the VM by default (cloud-init runs on
// first boot only) and is written in place with cloudinit_update = "in_place".
func TestAccVM_cloudinitUpdate(t *testing.T) {
	h := acctest.StartHost(t, simhost.Options{})
	cfg := func(pkg, mode string) string {
		return h.ProviderConfig(unrestricted) + fmt.Sprintf(`
resource "ceso_cloudinit" "c" {
  hostname = "ci-01"
  packages = [%q]
}
resource "ceso_vm" "c" {
  name             = "ci-01"
  template         = "ceso-template"
  power_state      = "off"
  guestinfo        = ceso_cloudinit.c.guestinfo
  cloudinit_update = %q
}
`, pkg, mode)
	}
	userData := func(want string) statecheck.StateCheck {
		return acctest.HostCheck(func() error {
			ud, _, _, err := cloudinit.Decode(acctest.ExtraConfig(h.VM(context.Background(), "ci-01")))
			if err != nil {
				return err
			}
			if !strings.Contains(ud, want) {
				return fmt.Errorf("user-data on the VM lacks %q:\n%s", want, ud)
			}
			return nil
		})
	}
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             vmGone(h, "ci-01"),
		Steps: []resource.TestStep{
			{Config: cfg("nginx", "in_place"), ConfigStateChecks: []statecheck.StateCheck{userData("nginx")}},
			{
				Config: cfg("haproxy", "in_place"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("ceso_vm.c", plancheck.ResourceActionUpdate)}},
				ConfigStateChecks: []statecheck.StateCheck{userData("haproxy")},
			},
			{
				Config: cfg("redis", "replace"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("ceso_vm.c", plancheck.ResourceActionDestroyBeforeCreate)}},
				ConfigStateChecks: []statecheck.StateCheck{userData("redis")},
			},
			{Config: cfg("redis", "replace"), ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}},
		},
	})
}
