package provider_test

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"

	"github.com/esxi-commander/terraform-provider-ceso/internal/acctest"
	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
)

// onlyBackupsChange fails when a plan changes anything but ceso_backup
// resources, whose daily replacement is the point of a dated trigger.
type onlyBackupsChange struct{}

func (onlyBackupsChange) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	var churn []string
	for _, rc := range req.Plan.ResourceChanges {
		if rc.Type == "ceso_backup" || rc.Change.Actions.NoOp() || rc.Change.Actions.Read() {
			continue
		}
		churn = append(churn, fmt.Sprintf("%s %v", rc.Address, rc.Change.Actions))
	}
	if len(churn) > 0 {
		resp.Error = fmt.Errorf("the next day's plan changes more than the backups: %s", strings.Join(churn, "; "))
	}
}

var (
	exampleTerraformBlock = regexp.MustCompile(`(?s)\nterraform \{.*?\n\}\n`)
	exampleProviderBlock  = regexp.MustCompile(`(?s)\nprovider "ceso" \{(\}|.*?\n\})\n`) // "{}" or a block
)

// example reads an example for the simulator: its host's names replaced by
// the simulator's, its own provider settings dropped for the test's, and
// plantimestamp() fixed to the given time, so two days can be planned.
func example(t *testing.T, file, now string, names ...string) string {
	t.Helper()
	b, err := os.ReadFile("../../examples/" + file)
	if err != nil {
		t.Fatal(err)
	}
	s := exampleProviderBlock.ReplaceAllString(exampleTerraformBlock.ReplaceAllString("\n"+string(b), "\n"), "\n")
	s = strings.NewReplacer(append(names, "plantimestamp()", fmt.Sprintf("%q", now))...).Replace(s)
	return s
}

// TestAccExamples_noDailyChurn plans every example that reads the clock
// (the only input that changes from one day to the next; the others have
// none) on two days: the second day may make new backups and must change
// nothing else.
func TestAccExamples_noDailyChurn(t *testing.T) {
	day1, day2 := "2026-11-29T02:00:00Z", "2026-11-30T02:00:00Z"
	t.Run("resources/ceso_backup", func(t *testing.T) {
		h := acctest.StartHost(t, simhost.Options{})
		// The example's restore drill waits for the restored guest's
		// heartbeat: the host's guests boot, as a real guest with VMware
		// Tools would.
		ctx, cancel := context.WithCancel(context.Background())
		t.Cleanup(cancel)
		if err := h.PlayGuest(ctx, 100*time.Millisecond); err != nil {
			t.Fatal(err)
		}
		names := []string{`"ubuntu-24.04"`, `"ceso-template"`, "[backup01] ceso", "[LocalDS_0] ceso", `"Isolated"`, `"VM Network"`}
		cfg := func(day string) string {
			return h.ProviderConfig(unrestricted) + example(t, "resources/ceso_backup/resource.tf", day, names...)
		}
		resource.ParallelTest(t, resource.TestCase{
			PreCheck:                 func() { acctest.PreCheck(t) },
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			Steps: []resource.TestStep{
				{Config: cfg(day1)},
				{Config: cfg(day1), ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}},
				{Config: cfg(day2), ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					onlyBackupsChange{}, plancheck.ExpectResourceAction("ceso_backup.web", plancheck.ResourceActionDestroyBeforeCreate)}}},
			},
		})
	})
	t.Run("scenarios/nightly-backup", func(t *testing.T) {
		h := acctest.StartHost(t, simhost.Options{})
		vms := h.ProviderConfig(unrestricted) + `
resource "ceso_vm" "web" {
  name     = "web-01"
  template = "ceso-template"
}
resource "ceso_vm" "db" {
  name     = "db-01"
  template = "ceso-template"
}
`
		// The test framework's state shim cannot read for_each keys, so the
		// scenario's for_each over VM names becomes a count over the same
		// list; what could churn (triggers, references) is unchanged.
		names := []string{"[backup01] nightly", "[LocalDS_0] nightly",
			"for_each = var.vms", "count    = length(var.vms)",
			"data.ceso_vm.target[each.key]", "data.ceso_vm.target[count.index]",
			"each.key", "tolist(var.vms)[count.index]"}
		cfg := func(day string) string { return vms + example(t, "scenarios/nightly-backup/main.tf", day, names...) }
		resource.ParallelTest(t, resource.TestCase{
			PreCheck:                 func() { acctest.PreCheck(t) },
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			Steps: []resource.TestStep{
				{Config: vms},
				{Config: cfg(day1)},
				{Config: cfg(day1), ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}},
				{Config: cfg(day2), ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					onlyBackupsChange{}, plancheck.ExpectResourceAction("ceso_backup.nightly[1]", plancheck.ResourceActionDestroyBeforeCreate)}}},
			},
		})
	})
}
