package provider_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/esxi-commander/terraform-provider-ceso/internal/acctest"
	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
)

// TestAccBackup_upgradeV0State turns the state of a backup into what
// schema version 0 wrote (verify a bool, no drill or disk-selection
// attributes, schema_version 0); the CLI upgrades it through the provider, and the
// same configuration, verify = false included, plans nothing.
func TestAccBackup_upgradeV0State(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TF_ACC_TEMP_DIR", tmp)
	h := acctest.StartHost(t, simhost.Options{})
	cfg := h.ProviderConfig(unrestricted) + backupVM("upgrade-bk") + fmt.Sprintf(`
resource "ceso_backup" "b" {
  vm          = ceso_vm.src.id
  destination = %q
  verify      = false
}
`, backupDest)
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{Config: cfg},
			{
				PreConfig: func() {
					if err := backupStateToV0(tmp); err != nil {
						t.Fatal(err)
					}
				},
				Config:           cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("ceso_backup.b", tfjsonpath.New("verify"), knownvalue.StringExact("false")),
					statecheck.ExpectKnownValue("ceso_backup.b", tfjsonpath.New("drill_timeout"), knownvalue.StringExact("5m")),
					statecheck.ExpectKnownValue("ceso_backup.b", tfjsonpath.New("drill_result"), knownvalue.Null()),
					statecheck.ExpectKnownValue("ceso_backup.b", tfjsonpath.New("skip_independent_disks"), knownvalue.Bool(false)),
					statecheck.ExpectKnownValue("ceso_backup.b", tfjsonpath.New("skipped_disks"), knownvalue.ListExact([]knownvalue.Check{})),
				},
			},
		},
	})
}

// backupStateToV0 rewrites the ceso_backup instance of the working
// directory's state as schema version 0 stored it.
func backupStateToV0(tmp string) error {
	files, err := filepath.Glob(filepath.Join(tmp, "plugintest*", "work*", "terraform.tfstate"))
	if err != nil {
		return err
	}
	if len(files) != 1 {
		return fmt.Errorf("want the one state file of the working directory, found %v", files)
	}
	b, err := os.ReadFile(files[0])
	if err != nil {
		return err
	}
	var st map[string]any
	if err := json.Unmarshal(b, &st); err != nil {
		return err
	}
	done := false
	resources, _ := st["resources"].([]any)
	for _, r := range resources {
		rm, _ := r.(map[string]any)
		if rm["type"] != "ceso_backup" {
			continue
		}
		instances, _ := rm["instances"].([]any)
		for _, in := range instances {
			im, _ := in.(map[string]any)
			attrs, _ := im["attributes"].(map[string]any)
			if attrs["verify"] != "false" {
				return fmt.Errorf("the backup's state has verify %v, want \"false\"", attrs["verify"])
			}
			im["schema_version"] = 0
			attrs["verify"] = false
			for _, k := range []string{"drill_network", "drill_timeout", "drill_wait_for_ip", "drill_result",
				"exclude_disks", "skip_independent_disks", "skipped_disks"} {
				delete(attrs, k)
			}
			done = true
		}
	}
	if !done {
		return fmt.Errorf("no ceso_backup in %s", files[0])
	}
	serial, _ := st["serial"].(float64)
	st["serial"] = serial + 1
	out, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(files[0], out, 0o600)
}
