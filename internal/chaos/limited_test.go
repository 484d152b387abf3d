package chaos_test

import (
	"fmt"
	"testing"

	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
)

// An account whose role cannot read licences (least privilege) still
// plans, creates and destroys: the licence is reported as unknown with a
// warning, not as a failed connection.
func TestAccChaos_limitedRoleCannotReadLicences(t *testing.T) {
	t.Parallel()
	w := newWorkspace(t)
	h := startHost(t, simhost.Options{LimitedUser: "ceso-operator"})
	cfg := fmt.Sprintf(`
provider "ceso" {
  host     = %q
  username = "ceso-operator"
  password = %q
  insecure = true
  mode     = "unrestricted"
}

data "ceso_host" "this" {}

resource "ceso_vm" "app" {
  name        = "limited-01"
  template    = "ceso-template"
  power_state = "off"
}

output "licence" {
  value = data.ceso_host.this.licence == null ? "unknown" : data.ceso_host.this.licence
}
`, h.URL.String(), h.Password)
	out := w.mustApply(cfg)
	expectOutput(t, out, "Warning: Licence Unknown", "cannot read the host's licences", `licence = "unknown"`)
	h.exactlyOne("limited-01")
	w.converged(cfg)
	w.destroy(cfg)
	h.noLeaks(true)
}
