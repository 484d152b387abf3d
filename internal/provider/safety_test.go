package provider_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/esxi-commander/terraform-provider-ceso/internal/acctest"
	"github.com/esxi-commander/terraform-provider-ceso/internal/audit"
)

// Restricted mode: the plan succeeds and warns on the resource.
func TestSafety_restrictedPlanWarnsPerResource(t *testing.T) {
	t.Parallel()
	diags := acctest.PlanDiagnostics(t, acctest.Values{"mode": acctest.Str("restricted")},
		"ceso_cloudinit", acctest.Values{"hostname": acctest.Str("web-01")})
	w := acctest.FindDiagnostic(diags, tfprotov6.DiagnosticSeverityWarning, "Apply Will Refuse This Change")
	if w == nil {
		t.Fatalf("no refusal warning in plan diagnostics: %+v", diags)
	}
	for _, want := range []string{"Restricted Mode", "restricted mode", "grant"} {
		if !strings.Contains(w.Summary+" "+w.Detail, want) {
			t.Errorf("warning %q / %q does not mention %q", w.Summary, w.Detail, want)
		}
	}
	if e := acctest.FindDiagnostic(diags, tfprotov6.DiagnosticSeverityError, "Apply Will Refuse This Change"); e != nil {
		t.Errorf("restricted plan must not fail: %+v", e)
	}
	// In standard mode the same create plans without a warning.
	diags = acctest.PlanDiagnostics(t, acctest.Values{"mode": acctest.Str("standard")},
		"ceso_cloudinit", acctest.Values{"hostname": acctest.Str("web-01")})
	if w := acctest.FindDiagnostic(diags, tfprotov6.DiagnosticSeverityWarning, "Apply Will Refuse This Change"); w != nil {
		t.Errorf("standard mode warned on a create: %+v", w)
	}
}

// readAudit returns the audit file's records after checking its chain.
func readAudit(t *testing.T, path string) []map[string]any {
	t.Helper()
	if _, err := audit.Verify(path); err != nil {
		t.Fatalf("audit chain: %v", err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []map[string]any
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var r map[string]any
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("audit line %q: %v", sc.Text(), err)
		}
		out = append(out, r)
	}
	return out
}

// Restricted mode: apply is refused, nothing is created, the refusal is audited.
func TestAccSafety_restrictedRefusesApply(t *testing.T) {
	auditFile := filepath.Join(t.TempDir(), "audit.jsonl")
	cfg := fmt.Sprintf(`
provider "ceso" {
  mode       = "restricted"
  audit_file = %q
}
resource "ceso_cloudinit" "web" {
  hostname = "web-01"
}
`, auditFile)
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy: func(s *terraform.State) error {
			if n := len(s.RootModule().Resources); n != 0 {
				return fmt.Errorf("restricted apply left %d resources in state", n)
			}
			return nil
		},
		Steps: []resource.TestStep{{
			Config:      cfg,
			ExpectError: acctest.ErrorMatching("Refused: Change Refused In Restricted Mode", `create of ceso_cloudinit "web-01"`, "grant issue"),
		}},
	})
	var refused int
	for _, r := range readAudit(t, auditFile) {
		if r["outcome"] == "refused" && r["action"] == "create" && r["resource_type"] == "ceso_cloudinit" {
			refused++
		}
		if r["kind"] == "intent" {
			t.Errorf("a refused write must not have an intent record: %v", r)
		}
	}
	if refused != 1 {
		t.Errorf("want 1 refused create in the audit file, got %d", refused)
	}
}

// The policy file's ceiling cannot be raised by configuration; bad grants
// are refused each with their own message. These tests set
// CESO_POLICY_FILE, so they do not run in parallel.
func TestAccSafety_policyCeilingAndGrants(t *testing.T) {
	ap := acctest.NewApprover(t, "standard")
	withProvider := func(attrs string) string {
		return "provider \"ceso\" {\n" + attrs + "\n}\nresource \"ceso_cloudinit\" \"web\" {\n  hostname = \"web-01\"\n}\n"
	}
	grant := func(tok string) string { return withProvider(fmt.Sprintf("elevation = %q", tok)) }
	now := time.Now()
	step := func(cfg string, want ...string) resource.TestStep {
		return resource.TestStep{Config: cfg, ExpectError: acctest.ErrorMatching(want...)}
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			step(withProvider(`mode = "unrestricted"`), "Mode Above Policy Ceiling", "asks for unrestricted mode", ap.PolicyFile, "at most standard"),
			step(grant(ap.ForgedGrant("unrestricted", []string{"*"})), "Untrusted Elevation Grant"),
			step(grant(ap.Grant("unrestricted", []string{"*"}, now.Add(-3*time.Hour), time.Hour)), "Expired Elevation Grant"),
			step(grant(ap.Grant("unrestricted", []string{"*"}, now.Add(2*time.Hour), time.Hour)), "Elevation Grant Not Yet Valid"),
			step(grant("ceso-grant.v1.not-a-grant"), "Malformed Elevation Grant"),
			{ // a lower mode than the ceiling is fine, and a valid grant is accepted
				Config: withProvider(fmt.Sprintf("mode = \"standard\"\nelevation = %q", ap.Grant("unrestricted", []string{"web-*"}, now, time.Hour))),
			},
		},
	})
}
