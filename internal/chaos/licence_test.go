package chaos_test

import (
	"context"
	"testing"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
)

// freeLicence makes the simulated host report the free vSphere Hypervisor
// licence (edition esxBasic).
func freeLicence(h *chaosHost) {
	ctx := context.Background()
	c, err := h.Client(ctx)
	if err != nil {
		h.t.Fatal(err)
	}
	defer func() { _ = c.Logout(ctx) }()
	m := h.Model.Map()
	lm, ok := m.Get(*c.ServiceContent.LicenseManager).(*simulator.LicenseManager)
	if !ok {
		h.t.Fatal("no licence manager")
	}
	m.WithLock(h.Model.Service.Context, lm, func() {
		lm.Licenses = []types.LicenseManagerLicenseInfo{{
			LicenseKey: "00000-00000-00000-00000-00001", EditionKey: "esxBasic.vram", Name: "vSphere 8 Hypervisor", Total: 0,
		}}
	})
}

const twoVMs = `
resource "ceso_vm" "a" {
  name        = "free-a"
  power_state = "off"
}
resource "ceso_vm" "b" {
  name        = "free-b"
  template    = "ceso-template"
  power_state = "off"
}
`

// Scenario 9: a host with the free licence refuses every change made
// through the API. ceso says so in plain words once (the configure warning,
// which the CLI folds into one), each refused VM gets a one-line error, and
// no write reaches the host.
func TestAccChaos_freeLicence(t *testing.T) {
	t.Parallel()
	w := newWorkspace(t)
	h := startHost(t, simhost.Options{})
	freeLicence(h)
	cfg := h.config("") + twoVMs

	// The plan already says it.
	out, _, err := w.plan(cfg)
	if err != nil {
		t.Fatalf("a free-licence host must still plan: %v\n%s", err, out)
	}
	expectOutput(t, out, "Warning: Free ESXi Licence", "free vSphere Hypervisor licence", "assign a paid or evaluation licence")

	h.ResetMethods()
	out = w.applyFails(cfg, "Warning: Free ESXi Licence", "refuses every change made through the API (RestrictedVersion)",
		"assign a paid or evaluation licence to the host")
	expectOutput(t, out, "Error: Host Refuses Changes", `create of ceso_vm "free-a" was not attempted`, "free vSphere Hypervisor licence")
	expectOutput(t, out, "Error: Host Refuses Changes", `create of ceso_vm "free-b" was not attempted`)
	if n := count(out, `assign\s+a\s+paid`); n != 1 {
		t.Errorf("the explanation appears %d times, want once:\n%s", n, diagnostics(out))
	}
	if n := count(out, `Error: `); n != 2 {
		t.Errorf("want one error per refused VM (2), got %d", n)
	}
	if wr := writesIn(h.Methods()); len(wr) > 0 {
		t.Errorf("a free-licence host was sent %v", wr)
	}
	h.noLeaks(true)
}

// Scenario 9, when the licence cannot be read beforehand: the host answers
// the first write with RestrictedVersion. The error says it in plain
// words and nothing is created.
func TestAccChaos_restrictedVersionOnWrite(t *testing.T) {
	t.Parallel()
	w := newWorkspace(t)
	h := startHost(t, simhost.Options{})
	h.AddHook(func(_ *simulator.Context, m *simulator.Method) types.BaseMethodFault {
		if !readMethods[m.Name] {
			return &types.RestrictedVersion{}
		}
		return nil
	})
	cfg := h.config("") + twoVMs
	out := w.applyFails(cfg, "Error: Cannot Create VM", "RestrictedVersion",
		"This host runs the free ESXi licence, which refuses every change made through the API")
	if n := count(out, `Error: `); n != 2 {
		t.Errorf("want one error per VM (2), got %d:\n%s", n, diagnostics(out))
	}
	if n := len(w.stateResources()); n != 0 {
		t.Errorf("%d resources in state", n)
	}
	h.noLeaks(true)
}
