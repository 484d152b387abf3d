package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The review command reads a plan JSON from a file or standard input and
// prints the page or, with --json, the same data; the policy it checks
// against is the one the provider reads unless --policy names another.
func TestReviewCommand(t *testing.T) {
	t.Parallel()
	plan := filepath.Join("..", "review", "testdata", "acc-plan.json")
	_, _, pol := approverSetup(t) // trusts alice, max_mode standard

	r := run(t, t0, "", "review", plan, "--policy", pol)
	if r.code != 0 {
		t.Fatalf("review: %+v", r)
	}
	for _, want := range []string{"Review of " + plan, "Destroyed or replaced (1)", `ceso_vm.db1  VM "db-1"  needs unrestricted (delete)`,
		"grant issue --host esxi.test --mode unrestricted --scope db-1,web-1,web-2,web-3", "--plan " + plan + " --once", "trusted approvers: alice"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("page lacks %q:\n%s", want, r.stdout)
		}
	}

	data, err := os.ReadFile(plan)
	if err != nil {
		t.Fatal(err)
	}
	r = run(t, t0, string(data), "review", "--json", "--policy", pol, "-")
	var rep struct {
		Plan        string `json:"plan"`
		HighestMode string `json:"highest_mode"`
		Changes     []any  `json:"changes"`
		Grant       struct {
			Scope       []string `json:"scope"`
			PlanCommand string   `json:"plan_command"`
		} `json:"grant"`
	}
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &rep) != nil {
		t.Fatalf("review --json -: %+v", r)
	}
	if rep.HighestMode != "unrestricted" || len(rep.Changes) != 5 || len(rep.Grant.Scope) != 4 || !strings.Contains(rep.Grant.PlanCommand, "--plan PLAN.json") {
		t.Errorf("JSON report = %+v", rep)
	}

	bad := filepath.Join(t.TempDir(), "tfplan")
	if err := os.WriteFile(bad, []byte("PK\x03\x04binary"), 0o600); err != nil {
		t.Fatal(err)
	}
	if r := run(t, t0, "", "review", bad); r.code != 1 || !strings.Contains(r.stderr, "terraform show -json") {
		t.Errorf("a binary plan file: %+v", r)
	}
	if r := run(t, t0, "", "review", bad+".missing"); r.code != 1 {
		t.Errorf("a missing file: %+v", r)
	}
	if r := run(t, t0, "", "review"); r.code != 2 || !strings.Contains(r.stderr, "one plan JSON file") {
		t.Errorf("no file: %+v", r)
	}
}
