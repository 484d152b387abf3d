package chaos_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
)

// Scenario 10: an untrusted certificate is refused before anything is
// sent. A self-signed host without insecure or a pin, and a host whose
// certificate does not match the pinned thumbprint, fail at configure; the
// host's request log shows no request at all, so no credential left the
// provider. The pinned, matching thumbprint works.
func TestAccChaos_tlsRefusedBeforeCredentials(t *testing.T) {
	t.Parallel()
	w := newWorkspace(t)
	h := startHost(t, simhost.Options{TLS: true})
	cfg := func(extra string) string {
		return fmt.Sprintf(`
provider "ceso" {
  host     = %q
  username = %q
  password = %q
  %s
}
data "ceso_host" "this" {}
`, h.URL, h.Username, h.Password, extra)
	}
	wrong := strings.Repeat("AB:", 31) + "AB"
	for _, tc := range []struct {
		name, extra string
		want        []string
	}{
		{"self-signed, not pinned", "", []string{"Untrusted host certificate", h.Thumbprint(), "tls_thumbprint"}},
		{"wrong thumbprint", fmt.Sprintf("tls_thumbprint = %q", wrong), []string{"Untrusted host certificate", "does not match tls_thumbprint"}},
	} {
		h.ResetMethods()
		out, _, err := w.plan(cfg(tc.extra))
		if err == nil {
			t.Fatalf("%s: plan succeeded, want the certificate refused\n%s", tc.name, out)
		}
		expectOutput(t, out, tc.want...)
		if m := h.Methods(); len(m) != 0 {
			t.Errorf("%s: the host was sent %v before its certificate was accepted; want nothing (no Login, no credential)", tc.name, m)
		}
	}
	h.ResetMethods()
	out, _, err := w.plan(cfg(fmt.Sprintf("tls_thumbprint = %q", h.Thumbprint())))
	if err != nil {
		t.Fatalf("pinned thumbprint: %v\n%s", err, out)
	}
	if n := h.CountMethod("Login"); n != 1 {
		t.Errorf("pinned thumbprint: %d Login calls, want 1", n)
	}
	h.noLeaks(true)
}

// Scenario 11: a wrong password gives one clear error and exactly one
// Login per provider configuration: no retry storm that would lock the
// account. A plan and an apply each configure the provider once.
func TestAccChaos_wrongPasswordLogsInOnce(t *testing.T) {
	t.Parallel()
	w := newWorkspace(t)
	h := startHost(t, simhost.Options{})
	cfg := fmt.Sprintf(`
provider "ceso" {
  host     = %q
  username = %q
  password = "not-the-password"
  insecure = true
  mode     = "unrestricted"
}
data "ceso_host" "this" {}
resource "ceso_vm" "a" {
  name        = "a"
  power_state = "off"
}
resource "ceso_vm" "b" {
  name        = "b"
  power_state = "off"
}
`, h.URL, h.Username)
	h.ResetMethods()
	out, _, err := w.plan(cfg)
	if err == nil {
		t.Fatalf("plan with a wrong password succeeded:\n%s", out)
	}
	expectOutput(t, out, "Login refused", "Check username and password", "not locked out")
	if n := count(out, `Error: `); n != 1 {
		t.Errorf("want one error, got %d:\n%s", n, out)
	}
	if n := h.CountMethod("Login"); n != 1 {
		t.Errorf("plan: %d Login calls for one provider configuration, want exactly 1 (methods: %v)", n, h.Methods())
	}

	h.ResetMethods()
	out = w.applyFails(cfg, "Login refused")
	if n := h.CountMethod("Login"); n != 1 {
		t.Errorf("apply: %d Login calls, want exactly 1 (methods: %v)", n, h.Methods())
	}
	if w := writesIn(h.Methods()); len(w) > 0 {
		t.Errorf("a refused login still sent %v", w)
	}
	_ = out
	h.noLeaks(true)
}
