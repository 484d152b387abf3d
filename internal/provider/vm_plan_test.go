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

// runningVM is a running VM made from the template; extra goes in its block.
func runningVM(h *acctest.Host, name string, memory int, extra string) string {
	return h.ProviderConfig(unrestricted) + fmt.Sprintf(`
resource "ceso_vm" "v" {
  name             = %q
  template         = "ceso-template"
  memory_mb        = %d
  shutdown_timeout = "1s"
  network_interface {
    network = "VM Network"
  }
  %s
}
`, name, memory, extra)
}

// A change that needs a power cycle the configuration does not allow is
// refused at plan, on allow_power_cycle, with the ways to allow it; the
// running VM is left as it was.
func TestAccVM_powerCycleRefusedAtPlan(t *testing.T) {
	h := acctest.StartHost(t, simhost.Options{})
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             vmGone(h, "cycle-refused"),
		Steps: []resource.TestStep{
			{Config: runningVM(h, "cycle-refused", 1024, "")},
			{
				Config:      runningVM(h, "cycle-refused", 2048, ""),
				PlanOnly:    true,
				ExpectError: acctest.ErrorMatching("Update Needs A Power Cycle", "memory_mb", `"cycle-refused"`, "allow_power_cycle is false", "allow_power_cycle = true", "memory_hot_add", "power the VM off first"),
			},
			{
				Config: runningVM(h, "cycle-refused", 1024, ""),
				ConfigStateChecks: []statecheck.StateCheck{acctest.HostCheck(func() error {
					if got := h.VM(context.Background(), "cycle-refused").Config.Hardware.MemoryMB; got != 1024 {
						return fmt.Errorf("memory on the host is %d, want the 1024 it had", got)
					}
					return nil
				})},
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
		},
	})
}

// A memory change that needs no power cycle and touches no NIC keeps the
// VM's computed attributes in the plan (no "known after apply" spilling
// into outputs), and the apply returns the same values.
func TestAccVM_memoryChangeKeepsComputedValues(t *testing.T) {
	h := acctest.StartHost(t, simhost.Options{})
	kept := []string{"default_ip", "ip_addresses", "mac_addresses", "path", "tools_status", "is_template", "uuid", "moid"}
	var checks []plancheck.PlanCheck
	for _, a := range kept {
		checks = append(checks, plancheck.ExpectKnownValue("ceso_vm.v", tfjsonpath.New(a), knownvalue.NotNull()))
	}
	checks = append(checks, plancheck.ExpectResourceAction("ceso_vm.v", plancheck.ResourceActionUpdate),
		plancheck.ExpectKnownValue("ceso_vm.v", tfjsonpath.New("memory_mb"), knownvalue.Int64Exact(2048)))
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             vmGone(h, "keeps-ip"),
		Steps: []resource.TestStep{
			{Config: runningVM(h, "keeps-ip", 1024, "memory_hot_add = true")},
			{
				Config:           runningVM(h, "keeps-ip", 2048, "memory_hot_add = true"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: checks},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("ceso_vm.v", tfjsonpath.New("memory_mb"), knownvalue.Int64Exact(2048)),
					statecheck.ExpectKnownValue("ceso_vm.v", tfjsonpath.New("power_state"), knownvalue.StringExact("on")),
				},
			},
			{
				// A power cycle may change what the guest reports: those
				// attributes are left to the apply, the rest are kept.
				Config: runningVM(h, "keeps-ip", 4096, "memory_hot_add = false\n  allow_power_cycle = true\n  force_power_off = true"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectUnknownValue("ceso_vm.v", tfjsonpath.New("default_ip")),
					plancheck.ExpectUnknownValue("ceso_vm.v", tfjsonpath.New("tools_status")),
					plancheck.ExpectKnownValue("ceso_vm.v", tfjsonpath.New("mac_addresses"), knownvalue.NotNull()),
					plancheck.ExpectKnownValue("ceso_vm.v", tfjsonpath.New("path"), knownvalue.NotNull()),
				}},
			},
		},
	})
}
