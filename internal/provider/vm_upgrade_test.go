package provider_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/esxi-commander/terraform-provider-ceso/internal/acctest"
	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
)

// v0Config is the configuration testdata/vm_state_v0.json was written
// with, by ceso_vm at schema version 0 (before disks and NICs were matched
// by identity), applied with OpenTofu on the simulator.
const v0Config = `
resource "ceso_vm" "old" {
  name        = "upgrade-01"
  guest_id    = "ubuntu64Guest"
  cpus        = 2
  memory_mb   = 1024
  power_state = "off"
  disk {
    size_gb = 1
  }
  disk {
    size_gb = 2
    keep_on_remove = true
  }
  disk {
    size_gb     = 3
    unit_number = 3
  }
  network_interface {
    network = "VM Network"
  }
  network_interface {
    network      = "VM Network"
    adapter_type = "e1000e"
  }
  extra_config = {
    "ceso-test.owner" = "team-a"
  }
}
`

// TestAccVM_upgradeV0State replays a real version 0 state. The VM it
// describes cannot be made by version 0 code any more, so the first step
// makes the same VM with today's code; then the stored v0 state replaces
// the working directory's state, with this run's identities (UUIDs, MOID,
// MACs and the CLI's provider address) put in place of the recorded run's,
// and everything else as version 0 wrote it: schema_version 0, unit numbers
// counted across controllers, no bus_number. The CLI then upgrades it
// through the provider, and the plan must be empty.
func TestAccVM_upgradeV0State(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TF_ACC_TEMP_DIR", tmp)
	h := acctest.StartHost(t, simhost.Options{})
	cfg := h.ProviderConfig(unrestricted) + v0Config
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             vmGone(h, "upgrade-01"),
		Steps: []resource.TestStep{
			{Config: cfg},
			{
				PreConfig: func() {
					if err := replayV0State(tmp, "testdata/vm_state_v0.json"); err != nil {
						t.Fatal(err)
					}
				},
				Config:           cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("ceso_vm.old", tfjsonpath.New("disk").AtSliceIndex(2).AtMapKey("unit_number"), knownvalue.Int64Exact(3)),
					statecheck.ExpectKnownValue("ceso_vm.old", tfjsonpath.New("disk").AtSliceIndex(2).AtMapKey("bus_number"), knownvalue.Int64Exact(0)),
					statecheck.ExpectKnownValue("ceso_vm.old", tfjsonpath.New("disk").AtSliceIndex(1).AtMapKey("keep_on_remove"), knownvalue.Bool(true)),
				},
				Check: func(s *terraform.State) error {
					if v := s.RootModule().Resources["ceso_vm.old"].Primary.Attributes["disk.0.bus_number"]; v != "0" {
						return fmt.Errorf("upgraded disk 0 has bus_number %q, want 0", v)
					}
					return nil
				},
			},
		},
	})
}

type tfState struct {
	Version          int               `json:"version"`
	TerraformVersion string            `json:"terraform_version"`
	Serial           int               `json:"serial"`
	Lineage          string            `json:"lineage"`
	Outputs          json.RawMessage   `json:"outputs"`
	Resources        []json.RawMessage `json:"resources"`
	CheckResults     json.RawMessage   `json:"check_results"`
}

// replayV0State overwrites the state of the test's working directory with
// the stored version 0 state, carrying this run's identities.
func replayV0State(tmp, stored string) error {
	files, err := filepath.Glob(filepath.Join(tmp, "plugintest*", "work*", "terraform.tfstate"))
	if err != nil {
		return err
	}
	if len(files) != 1 {
		return fmt.Errorf("want the one state file of the working directory, found %v", files)
	}
	cur, err := os.ReadFile(files[0])
	if err != nil {
		return err
	}
	old, err := os.ReadFile(stored)
	if err != nil {
		return err
	}
	var curSt, oldSt tfState
	if err := json.Unmarshal(cur, &curSt); err != nil {
		return err
	}
	if err := json.Unmarshal(old, &oldSt); err != nil {
		return err
	}
	curVals, err := identities(curSt)
	if err != nil {
		return err
	}
	oldVals, err := identities(oldSt)
	if err != nil {
		return err
	}
	var pairs []string
	for k, ov := range oldVals {
		pairs = append(pairs, ov, curVals[k])
	}
	res := strings.NewReplacer(pairs...).Replace(string(oldSt.Resources[0]))
	oldSt.Resources[0] = json.RawMessage(res)
	oldSt.Lineage, oldSt.Serial, oldSt.TerraformVersion = curSt.Lineage, curSt.Serial+1, curSt.TerraformVersion
	out, err := json.MarshalIndent(oldSt, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(files[0], out, 0o600)
}

// identities are the values that differ from one simulator run to the next.
func identities(st tfState) (map[string]string, error) {
	var r struct {
		Provider  string `json:"provider"`
		Instances []struct {
			Attributes struct {
				ID           string   `json:"id"`
				BIOSUUID     string   `json:"bios_uuid"`
				MOID         string   `json:"moid"`
				MACAddresses []string `json:"mac_addresses"`
			} `json:"attributes"`
		} `json:"instances"`
	}
	if len(st.Resources) != 1 {
		return nil, fmt.Errorf("want one resource in the state, found %d", len(st.Resources))
	}
	if err := json.Unmarshal(st.Resources[0], &r); err != nil {
		return nil, err
	}
	a := r.Instances[0].Attributes
	out := map[string]string{"provider": strings.ReplaceAll(r.Provider, `"`, `\"`), "id": a.ID, "bios_uuid": a.BIOSUUID, "moid": `"` + a.MOID + `"`}
	for i, m := range a.MACAddresses {
		out[fmt.Sprintf("mac%d", i)] = m
	}
	return out, nil
}
