package chaos_test

import (
	"fmt"
	"os"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/esxi-commander/terraform-provider-ceso/internal/acctest"
	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
)

// badReferences is one ceso_vm per reference that does not exist on the
// host, and one named like a VM ceso did not make.
const badReferences = `
resource "ceso_vm" "bad_template" {
  name        = "bad-template"
  template    = "no-such-template"
  power_state = "off"
}
resource "ceso_vm" "bad_network" {
  name        = "bad-network"
  power_state = "off"
  network_interface {
    network = "No Such Network"
  }
}
resource "ceso_vm" "bad_datastore" {
  name        = "bad-datastore"
  datastore   = "NoSuchDatastore"
  power_state = "off"
}
resource "ceso_vm" "bad_disk_datastore" {
  name        = "bad-disk-datastore"
  power_state = "off"
  disk {
    size_gb   = 1
    datastore = "NoSuchDatastore"
  }
}
resource "ceso_vm" "bad_folder" {
  name        = "bad-folder"
  folder      = "no/such/folder"
  power_state = "off"
}
resource "ceso_vm" "taken" {
  name        = "ceso-template"
  power_state = "off"
}
`

// Scenario 5: a template, network, datastore or folder that does not exist
// fails the plan, each with its own diagnostic on the resource at fault,
// and an apply of the same configuration stops at its plan: the host's
// request log shows reads only and nothing is created.
func TestAccChaos_invalidReferencesFailThePlan(t *testing.T) {
	t.Parallel()
	w := newWorkspace(t)
	h := startHost(t, simhost.Options{})
	cfg := h.config("") + badReferences
	out, _, err := w.plan(cfg)
	if err == nil {
		t.Fatalf("plan succeeded:\n%s", out)
	}
	for _, want := range [][]string{
		{"Error: Template not found", `resource "ceso_vm" "bad_template"`, `"no-such-template"`, "ceso_templates"},
		{"Error: Network not found", `resource "ceso_vm" "bad_network"`, "No Such Network"},
		{"Error: Datastore not found", `resource "ceso_vm" "bad_datastore"`, "NoSuchDatastore"},
		{"Error: Datastore not found", `resource "ceso_vm" "bad_disk_datastore"`, "NoSuchDatastore"},
		{"Error: Folder not found", `resource "ceso_vm" "bad_folder"`, "no/such/folder", "check the path in the vSphere client"},
		{"Error: VM Name Taken", `resource "ceso_vm" "taken"`, "was not created by ceso", "import"},
	} {
		expectOutput(t, out, want...)
	}
	if n := count(out, `Error: `); n != 6 {
		t.Errorf("want 6 errors, one per resource, got %d:\n%s", n, out)
	}

	h.ResetMethods()
	w.applyFails(cfg, "Error: Template not found")
	if wr := writesIn(h.Methods()); len(wr) > 0 {
		t.Errorf("an apply whose plan failed sent %v to the host", wr)
	}
	if n := len(w.stateResources()); n != 0 {
		t.Errorf("%d resources in state", n)
	}
	h.noLeaks(true)
}

// The same checks as PlanOnly steps of the test framework: the diagnostic
// is there at plan time, before any apply.
func TestAccChaos_invalidReferencesPlanOnly(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: set TF_ACC=1")
	}
	h := acctest.StartHost(t, simhost.Options{})
	before := h.Contents(t.Context())
	step := func(attrs string, want ...string) resource.TestStep {
		return resource.TestStep{
			PlanOnly: true,
			Config: h.ProviderConfig() + fmt.Sprintf(`
resource "ceso_vm" "x" {
  name        = "x-01"
  power_state = "off"
  %s
}
`, attrs),
			ExpectError: acctest.ErrorMatching(want...),
		}
	}
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			step(`template = "no-such-template"`, "Template not found", "no-such-template"),
			step("network_interface {\n    network = \"No Such Network\"\n  }", "Network not found", "No Such Network"),
			step(`datastore = "NoSuchDatastore"`, "Datastore not found", "NoSuchDatastore"),
			step(`folder = "no/such/folder"`, "Folder not found", "no/such/folder"),
		},
	})
	if wr := writesIn(h.Methods()); len(wr) > 0 {
		t.Errorf("plans sent %v to the host", wr)
	}
	acctest.NoLeaks(t, before, h.Contents(t.Context()))
}
