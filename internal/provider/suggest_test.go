package provider_test

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/esxi-commander/terraform-provider-ceso/internal/acctest"
	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
)

// A name that is not on the host fails the plan with the closest names and
// the data source that lists them all, for a template, a network and a
// backup destination's datastore; nothing is created.
// PlanOnly steps prove the refusal comes at plan: an apply never runs.
func TestAccDidYouMean(t *testing.T) {
	h := acctest.StartHost(t, simhost.Options{})
	vm := func(body string) string {
		return h.ProviderConfig(unrestricted) + `
resource "ceso_vm" "d" {
  name        = "dym-01"
  power_state = "off"
  ` + body + `
}
`
	}
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             vmGone(h, "dym-01"),
		Steps: []resource.TestStep{
			{
				Config:      vm(`template = "ceso-templat"`),
				PlanOnly:    true,
				ExpectError: acctest.ErrorMatching(`Template not found`, `Did you mean "ceso-template"?`, `ceso_templates or ceso_vms data source`),
			},
			{
				PlanOnly:    true,
				Config:      vm("disk {\n    size_gb = 1\n  }\n  network_interface {\n    network = \"VM Netwrk\"\n  }"),
				ExpectError: acctest.ErrorMatching(`Did you mean "VM Network"?`, `ceso_networks data source`),
			},
			{Config: vm("")},
			{
				Config: vm("") + `
resource "ceso_backup" "b" {
  vm          = ceso_vm.d.id
  destination = "[LocalDS_O] backups"
}
`,
				PlanOnly:    true, // refused at plan, like a VM's datastore, not at apply
				ExpectError: acctest.ErrorMatching(`Datastore Not Found`, `Did you mean "LocalDS_0"?`, `ceso_datastores data source`),
			},
		},
	})
}
