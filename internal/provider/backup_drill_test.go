package provider_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/esxi-commander/terraform-provider-ceso/internal/acctest"
	"github.com/esxi-commander/terraform-provider-ceso/internal/backup/drill"
	"github.com/esxi-commander/terraform-provider-ceso/internal/metrics"
	"github.com/esxi-commander/terraform-provider-ceso/internal/metrics/metricstest"
	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
)

// drillHost starts a simulated host whose guests boot (PlayGuest) and a
// real Pushgateway, and returns the provider configuration for both, with
// an audit file. (Unrestricted: the test's destroy deletes the source VM.)
func drillHost(t *testing.T, vcenter bool, job, auditFile string) (*acctest.Host, string, string) {
	t.Helper()
	gw := metricstest.StartPushgateway(t)
	h := acctest.StartHost(t, simhost.Options{VCenter: vcenter})
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	if err := h.PlayGuest(ctx, 100*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	return h, gw, h.ProviderConfig(unrestricted, fmt.Sprintf(`audit_file = %q
  metrics {
    pushgateway_url = %q
    job             = %q
  }`, auditFile, gw, job))
}

// noDrillLeft checks through the API and on the datastore that no drill VM
// and none of its files are left.
func noDrillLeft(h *acctest.Host) error {
	for _, n := range h.VMNames(context.Background()) {
		if strings.Contains(n, drill.Infix) {
			return fmt.Errorf("the drill VM %s is still on the host", n)
		}
	}
	files, err := h.Files()
	if err != nil {
		return err
	}
	for _, f := range files {
		if strings.Contains(f, drill.Infix) {
			return fmt.Errorf("a drill file is still on the datastore: %s", f)
		}
	}
	return nil
}

// drillRecord is a manifest's status and drill.
type drillRecord struct{ status, result, reason string }

// drillsInManifests reads the status and drill result of every backup of
// vmName, straight from the datastore's files.
func drillsInManifests(h *acctest.Host, vmName string) ([]drillRecord, error) {
	files, err := h.Files()
	if err != nil {
		return nil, err
	}
	dir, err := h.Dir()
	if err != nil {
		return nil, err
	}
	var out []drillRecord
	for _, f := range files {
		if !strings.Contains(f, "/backups/"+vmName+"/") || !strings.HasSuffix(f, "/manifest.json") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			return nil, err
		}
		var m struct {
			Status string `json:"status"`
			Drill  *struct {
				Result string `json:"result"`
				Reason string `json:"reason"`
			} `json:"drill"`
		}
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, err
		}
		r := drillRecord{status: m.Status}
		if m.Drill != nil {
			r.result, r.reason = m.Drill.Result, m.Drill.Reason
		}
		out = append(out, r)
	}
	return out, nil
}

// drillInManifest is the record of the only backup of vmName.
func drillInManifest(h *acctest.Host, vmName string) (status, result, reason string, err error) {
	rs, err := drillsInManifests(h, vmName)
	if err != nil {
		return "", "", "", err
	}
	if len(rs) != 1 {
		return "", "", "", fmt.Errorf("%d backup manifests of %s on the datastore, want 1", len(rs), vmName)
	}
	return rs[0].status, rs[0].result, rs[0].reason, nil
}

// drillGauges are the drill metric's values for vmName in the
// Pushgateway, one per group (provider run) that drilled it, once there
// are want of them (or the wait ran out).
func drillGauges(t *testing.T, gw, job, vmName string, want int) []float64 {
	t.Helper()
	var out []float64
	for _, s := range metricstest.Await(t, gw, metrics.NameBackupDrillSuccess, map[string]string{"job": job, "vm": vmName}, metricstest.AtLeast(want)) {
		if s.Gauge == nil {
			t.Fatalf("%s is not a gauge", metrics.NameBackupDrillSuccess)
		}
		out = append(out, s.Gauge.GetValue())
	}
	return out
}

// A backup with verify = "boot" is restored as a temporary VM that boots;
// the manifest on the datastore and the state say ok, the Pushgateway gets
// ceso_backup_drill_success 1, and the temporary VM and its files are gone.
func TestAccBackup_drillPasses(t *testing.T) {
	for _, vc := range []bool{false, true} {
		t.Run(map[bool]string{false: "esx", true: "vpx"}[vc], func(t *testing.T) {
			name := map[bool]string{false: "drill-ok", true: "drill-ok-vc"}[vc]
			auditFile := filepath.Join(t.TempDir(), "audit.jsonl")
			h, gw, provider := drillHost(t, vc, "ceso-drill", auditFile)
			cfg := provider + backupVM(name) + fmt.Sprintf(`
resource "ceso_backup" "b" {
  vm                = ceso_vm.src.id
  destination       = %q
  verify            = "boot"
  drill_timeout     = "1m"
  drill_wait_for_ip = true
}
`, backupDest)
			resource.ParallelTest(t, resource.TestCase{
				PreCheck:                 func() { acctest.PreCheck(t) },
				ProtoV6ProviderFactories: acctest.ProviderFactories,
				Steps: []resource.TestStep{
					{
						Config: cfg,
						ConfigStateChecks: []statecheck.StateCheck{
							statecheck.ExpectKnownValue("ceso_backup.b", tfjsonpath.New("drill_result"), knownvalue.StringExact("ok")),
							statecheck.ExpectKnownValue("ceso_backup.b", tfjsonpath.New("verify"), knownvalue.StringExact("boot")),
							statecheck.ExpectKnownValue("ceso_backup.b", tfjsonpath.New("status"), knownvalue.StringExact("complete")),
						},
						Check: func(*terraform.State) error {
							if err := noDrillLeft(h); err != nil {
								return err
							}
							status, result, reason, err := drillInManifest(h, name)
							if err != nil {
								return err
							}
							if status != "complete" || result != "ok" {
								return fmt.Errorf("manifest: status %q drill %q (%s); want complete, ok", status, result, reason)
							}
							return nil
						},
					},
					{
						Config: cfg + fmt.Sprintf(`
data "ceso_backups" "all" {
  destination = %q
  vm_name     = %q
  depends_on  = [ceso_backup.b]
}
`, backupDest, name),
						ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
						ConfigStateChecks: []statecheck.StateCheck{
							statecheck.ExpectKnownValue("data.ceso_backups.all", tfjsonpath.New("backups").AtSliceIndex(0).AtMapKey("drill_result"), knownvalue.StringExact("ok")),
						},
					},
					{
						ResourceName: "ceso_backup.b", ImportState: true, ImportStateVerify: true,
						ImportStateVerifyIgnore: []string{"timeouts", "retain_on_destroy", "drill_timeout", "drill_wait_for_ip"},
					},
				},
			})
			if v := drillGauges(t, gw, "ceso-drill", name, 1); len(v) != 1 || v[0] != 1 {
				t.Errorf("%s{vm=%q} = %v in the Pushgateway, want [1]", metrics.NameBackupDrillSuccess, name, v)
			}
			if got := drillOutcomes(t, auditFile); got != "success" {
				t.Errorf("audited backup_drill outcomes %q, want one success", got)
			}
		})
	}
}

// A backup whose guest never reports a heartbeat fails its drill: the
// apply fails with the reason on verify, the manifest on the datastore
// records the failed drill of a backup that stays complete, the
// Pushgateway gets ceso_backup_drill_success 0, and nothing of the
// temporary VM is left.
func TestAccBackup_drillFailsWithoutHeartbeat(t *testing.T) {
	for _, vc := range []bool{false, true} {
		t.Run(map[bool]string{false: "esx", true: "vpx"}[vc], func(t *testing.T) {
			const name = "drill-silent"
			auditFile := filepath.Join(t.TempDir(), "audit.jsonl")
			h, gw, provider := drillHost(t, vc, "ceso-drill-fail", auditFile)
			cfg := provider + fmt.Sprintf(`
resource "ceso_vm" "src" {
  name        = %q
  template    = "ceso-template"
  power_state = "on"
  notes       = "a guest that never boots %s"
}

resource "ceso_backup" "b" {
  vm            = ceso_vm.src.id
  destination   = %q
  verify        = "boot"
  drill_timeout = "3s"
}
`, name, simhost.SilentGuest, backupDest)
			resource.ParallelTest(t, resource.TestCase{
				PreCheck:                 func() { acctest.PreCheck(t) },
				ProtoV6ProviderFactories: acctest.ProviderFactories,
				Steps: []resource.TestStep{
					{
						Config:      cfg,
						ExpectError: acctest.ErrorMatching("Restore Drill Failed", "did not boot", "heartbeat"),
					},
					// The complete backup is in the state, tainted: the next apply
					// replaces it with a new backup, drilled again.
					{
						Config: cfg,
						ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
							plancheck.ExpectResourceAction("ceso_backup.b", plancheck.ResourceActionDestroyBeforeCreate),
						}},
						ExpectError: acctest.ErrorMatching("Restore Drill Failed"),
					},
				},
				CheckDestroy: func(*terraform.State) error { return noDrillLeft(h) },
			})
			if err := noDrillLeft(h); err != nil {
				t.Error(err)
			}
			records, err := drillsInManifests(h, name)
			if err != nil {
				t.Fatal(err)
			}
			if len(records) != 2 {
				t.Errorf("%d backups of %s, want the 2 the two applies made", len(records), name)
			}
			for _, r := range records {
				if r.status != "complete" || r.result != "failed" || !strings.Contains(r.reason, "heartbeat") {
					t.Errorf("manifest: status %q drill %q (%s); want a complete backup with a failed drill on the heartbeat", r.status, r.result, r.reason)
				}
			}
			if v := drillGauges(t, gw, "ceso-drill-fail", name, 2); len(v) != 2 || v[0] != 0 || v[1] != 0 {
				t.Errorf("%s{vm=%q} = %v in the Pushgateway, want 0 from each of the 2 runs", metrics.NameBackupDrillSuccess, name, v)
			}
			if got := drillOutcomes(t, auditFile); got != "failure,failure" {
				t.Errorf("audited backup_drill outcomes %q, want two failures", got)
			}
		})
	}
}

// drillOutcomes lists the outcomes of the backup_drill operations in the
// audit file, comma-separated.
func drillOutcomes(t *testing.T, auditFile string) string {
	t.Helper()
	var out []string
	for _, r := range readAudit(t, auditFile) {
		if r["resource_type"] == "ceso_backup" && r["action"] == "backup_drill" && r["kind"] == "outcome" {
			out = append(out, fmt.Sprint(r["outcome"]))
		}
	}
	return strings.Join(out, ",")
}

// A drill network that does not exist fails the plan, before the backup.
func TestAccBackup_drillNetworkChecked(t *testing.T) {
	h := acctest.StartHost(t, simhost.Options{})
	cfg := h.ProviderConfig(unrestricted) + backupVM("drill-net") + fmt.Sprintf(`
resource "ceso_backup" "b" {
  vm            = ceso_vm.src.id
  destination   = %q
  verify        = "boot"
  drill_network = "VM Netwrk"
}
`, backupDest)
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{Config: h.ProviderConfig(unrestricted) + backupVM("drill-net")},
			{Config: cfg, ExpectError: acctest.ErrorMatching("Drill Network Not Found", "VM Network")},
		},
	})
	if folders, err := backupFolders(h, "drill-net"); err != nil || len(folders) > 0 {
		t.Errorf("backup folders after a refused plan: %v (error %v)", folders, err)
	}
}

// In standard mode a restore drill runs without a grant: it powers off and
// deletes only the VM it made. (The VM backed up is not in the
// configuration, so the test's destroy, which only forgets the retained
// backup, needs no grant either.)
func TestAccBackup_drillInStandardMode(t *testing.T) {
	auditFile := filepath.Join(t.TempDir(), "audit.jsonl")
	h := acctest.StartHost(t, simhost.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	if err := h.PlayGuest(ctx, 100*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	src := h.VM(ctx, simhost.TemplateName)
	cfg := h.ProviderConfig(`mode = "standard"`, fmt.Sprintf("audit_file = %q", auditFile)) + fmt.Sprintf(`
resource "ceso_backup" "b" {
  vm            = %q
  destination   = %q
  verify        = "boot"
  drill_timeout = "1m"
}
`, src.Config.InstanceUuid, backupDest)
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{{
			Config: cfg,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("ceso_backup.b", tfjsonpath.New("drill_result"), knownvalue.StringExact("ok")),
			},
			Check: func(*terraform.State) error { return noDrillLeft(h) },
		}},
	})
	if got := drillOutcomes(t, auditFile); got != "success" {
		t.Errorf("audited backup_drill outcomes %q, want one success", got)
	}
	modes := map[string]int{}
	for _, r := range readAudit(t, auditFile) {
		if r["action"] == "backup_drill" && r["mode"] != nil {
			modes[fmt.Sprint(r["mode"])]++
		}
	}
	if len(modes) != 1 || modes["standard"] == 0 {
		t.Errorf("audited modes of the drill's records %v, want standard only", modes)
	}
}
