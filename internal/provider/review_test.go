package provider_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"

	"github.com/esxi-commander/terraform-provider-ceso/internal/acctest"
	"github.com/esxi-commander/terraform-provider-ceso/internal/policy"
	"github.com/esxi-commander/terraform-provider-ceso/internal/review"
	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
)

// reviewTestdata is shared with the review package's own tests, which
// replay the plan this test captured without a CLI.
const reviewTestdata = "../review/testdata"

// reviewPlan reviews the saved plan the CLI made (the framework runs
// `plan -out` and `show -json` on it) and compares the page and the JSON
// with the golden files. CESO_UPDATE_GOLDEN=1 rewrites them and stores the
// plan JSON for the review package's tests.
type reviewPlan struct{ host *acctest.Host }

func (c reviewPlan) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	planJSON, err := json.MarshalIndent(req.Plan, "", "  ")
	if err != nil {
		resp.Error = err
		return
	}
	// The host URL has a random port: normalise it in the plan itself, so
	// the stored plan replays to the same page.
	planJSON = bytes.ReplaceAll(planJSON, []byte(c.host.URL.String()), []byte("https://esxi.test/sdk"))
	// The same options as the review package's replay of this plan.
	rep, err := review.Build(bytes.NewReader(planJSON), review.Options{PlanPath: "plan.json", PlanBound: true, Policy: &policy.Policy{
		Path: "/etc/ceso/policy.json", MaxMode: policy.Standard, TrustedKeys: []policy.TrustedKey{{Name: "alice"}}}})
	if err != nil {
		resp.Error = err
		return
	}
	var text, js bytes.Buffer
	if err := rep.WriteText(&text); err != nil {
		resp.Error = err
		return
	}
	if err := rep.WriteJSON(&js); err != nil {
		resp.Error = err
		return
	}
	if os.Getenv("CESO_UPDATE_GOLDEN") != "" {
		for name, data := range map[string][]byte{"acc-plan.json": planJSON, "acc-review.golden": text.Bytes(), "acc-review.golden.json": js.Bytes()} {
			if err := os.WriteFile(filepath.Join(reviewTestdata, name), data, 0o600); err != nil {
				resp.Error = err
				return
			}
		}
	}
	for name, got := range map[string][]byte{"acc-review.golden": text.Bytes(), "acc-review.golden.json": js.Bytes()} {
		want, err := os.ReadFile(filepath.Join(reviewTestdata, name))
		if err != nil {
			resp.Error = err
			return
		}
		if !bytes.Equal(got, want) {
			resp.Error = fmt.Errorf("review differs from %s (CESO_UPDATE_GOLDEN=1 rewrites it):\n--- got\n%s\n--- want\n%s", name, got, want)
			return
		}
	}
}

// A plan with a create, an in-place change that deletes a disk's files, a
// power cycle, a delete and a backup with retention, made by the real CLI
// against the simulator, reviewed into the page an approver reads.
func TestAccReview_plan(t *testing.T) {
	h := acctest.StartHost(t, simhost.Options{})
	before := h.ProviderConfig(unrestricted) + `
resource "ceso_vm" "web1" {
  name        = "web-1"
  guest_id    = "ubuntu64Guest"
  power_state = "off"
  disk {
    unit_number = 0
    size_gb     = 1
  }
  disk {
    unit_number = 1
    size_gb     = 1
  }
  extra_config = { "ceso-test.tier" = "web" }
}
resource "ceso_vm" "web2" {
  name              = "web-2"
  memory_mb         = 512
  power_state       = "on"
  allow_power_cycle = true
  disk {
    size_gb = 1
  }
}
resource "ceso_vm" "db1" {
  name        = "db-1"
  power_state = "off"
  disk {
    size_gb = 1
  }
}
`
	after := h.ProviderConfig() + `
resource "ceso_vm" "web1" {
  name        = "web-1"
  guest_id    = "ubuntu64Guest"
  power_state = "off"
  disk {
    unit_number = 0
    size_gb     = 1
  }
  extra_config = { "ceso-test.tier" = "frontend" }
}
resource "ceso_vm" "web2" {
  name              = "web-2"
  memory_mb         = 1024
  power_state       = "on"
  allow_power_cycle = true
  disk {
    size_gb = 1
  }
}
resource "ceso_vm" "web3" {
  name        = "web-3"
  power_state = "off"
}
resource "ceso_backup" "web1" {
  vm          = ceso_vm.web1.id
  destination = "[LocalDS_0] backups"
  keep        = 2
}
`
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             vmGone(h, "web-1", "web-2", "db-1", "web-3"),
		Steps: []resource.TestStep{
			{Config: before},
			{
				Config:             after,
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPreRefresh: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("ceso_vm.db1", plancheck.ResourceActionDestroy),
					plancheck.ExpectResourceAction("ceso_vm.web3", plancheck.ResourceActionCreate),
					reviewPlan{host: h},
				}},
			},
			{Config: before}, // back to what the first step made, so the destroy needs no grant
		},
	})
}
