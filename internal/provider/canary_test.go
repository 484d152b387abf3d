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
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/esxi-commander/terraform-provider-ceso/internal/acctest"
	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
)

// stateLacks fails when any of the strings appears anywhere in the state.
type stateLacks []string

func (s stateLacks) CheckState(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	b, err := json.Marshal(req.State)
	if err != nil {
		resp.Error = err
		return
	}
	for _, c := range s {
		if strings.Contains(string(b), c) {
			resp.Error = fmt.Errorf("state contains the canary %q", c)
			return
		}
	}
}

// Canary secrets — the host password, the elevation grant and a cloud-init
// password hash — must not appear in the audit file or the TRACE log of a
// full run, and the password and grant must not appear in state. (The hash
// is in state by necessity: it is part of the rendered user-data that
// ceso_vm writes to the VM; the attributes holding it are sensitive.)
// Sets TF_LOG and TF_LOG_PATH, so it does not run in parallel.
func TestAccSecurity_canarySecretsStayOut(t *testing.T) {
	const password = "canary-Pa55word-7f3e"
	const hash = "$6$canarysalt$Q1vJ0gqZ3f9x7mH2n5bLkT8yR4wS6uV0aC1dE2fG3hI4jK5lM6nO7pQ8rS9tU0vW1xY2zA3bC4dE5fG6hI7jK8l"
	ap := acctest.NewApprover(t, "unrestricted")
	grant := ap.Grant("unrestricted", []string{"*"}, time.Now(), time.Hour)
	h := acctest.StartHost(t, simhost.Options{Password: password})
	dir := t.TempDir()
	auditFile, logFile := filepath.Join(dir, "audit.jsonl"), filepath.Join(dir, "trace.log")
	t.Setenv("TF_LOG", "TRACE")
	t.Setenv("TF_LOG_PATH", logFile)
	// Secrets come the way users pass them: environment and sensitive
	// variables (the test framework logs the configuration text itself).
	t.Setenv("CESO_PASSWORD", password)
	t.Setenv("CESO_ELEVATION", grant)
	t.Setenv("TF_VAR_ops_hash", hash)
	cfg := fmt.Sprintf(`
provider "ceso" {
  host       = %q
  username   = %q
  insecure   = true
  audit_file = %q
}
variable "ops_hash" {
  type      = string
  sensitive = true
}
data "ceso_host" "this" {}
resource "ceso_cloudinit" "web" {
  hostname = "web-01"
  users = [{
    name            = "ops"
    hashed_password = var.ops_hash
  }]
}
`, h.URL, h.Username, auditFile)
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{{
			Config:            cfg,
			ConfigStateChecks: []statecheck.StateCheck{stateLacks{password, grant}},
		}},
	})
	for _, f := range []string{auditFile, logFile} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if len(b) == 0 {
			t.Fatalf("%s is empty: the check would prove nothing", f)
		}
		for _, c := range []string{password, grant, hash} {
			if strings.Contains(string(b), c) {
				t.Errorf("%s contains the canary %.20q...", filepath.Base(f), c)
			}
		}
	}
	// Reads are audited at batch level: the inventory read has its record.
	if b, _ := os.ReadFile(auditFile); !strings.Contains(string(b), `"resource_type":"inventory"`) {
		t.Errorf("the audit file has no record of the batched inventory read:\n%s", b)
	}
	if b, _ := os.ReadFile(logFile); !strings.Contains(string(b), "ceso: connected") {
		t.Errorf("the TRACE log has no provider lines; the canary check would prove nothing")
	}
}
