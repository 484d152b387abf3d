package chaos_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/vmware/govmomi/vim25/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/acctest"
	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
)

// securityVMs is the estate the security scenarios start from.
func securityVMs(cpus2, power3, firmware4 string, keep5 bool, extra string) string {
	cfg := fmt.Sprintf(`
resource "ceso_vm" "update" {
  name        = "sec-update"
  power_state = "off"
  cpus        = %s
}
resource "ceso_vm" "power" {
  name        = "sec-power"
  power_state = %q
}
resource "ceso_vm" "replace" {
  name        = "sec-replace"
  power_state = "off"
  firmware    = %q
}
resource "ceso_cloudinit" "update" {
  hostname = "sec-ci-%s"
}
`, cpus2, power3, firmware4, cpus2)
	if keep5 {
		cfg += `
resource "ceso_vm" "delete" {
  name        = "sec-delete"
  power_state = "off"
}
resource "ceso_cloudinit" "delete" {
  hostname = "sec-ci-delete"
}
`
	}
	return cfg + extra
}

// Security: in restricted mode nothing reaches the host. One apply asks for
// every kind of change to ceso_vm and ceso_cloudinit — create, update,
// power change, replace, delete — and every one is refused at apply (the
// plan warns), while the host's request log shows reads only and the VMs
// are as they were.
func TestAccChaos_restrictedModeSendsNoWrite(t *testing.T) {
	t.Parallel()
	w := newWorkspace(t)
	h := startHost(t, simhost.Options{})
	before := securityVMs("1", "off", "bios", true, "")
	w.mustApply(h.config("") + before)

	restricted := h.config("", `mode = "restricted"`)
	changes := securityVMs("2", "on", "efi", false, `
resource "ceso_vm" "create" {
  name        = "sec-create"
  power_state = "off"
}
resource "ceso_cloudinit" "create" {
  hostname = "sec-ci-create"
}
`)
	out, planned, err := w.plan(restricted + changes)
	if err != nil || !planned {
		t.Fatalf("a restricted plan must succeed and show the changes (changes %v): %v\n%s", planned, err, out)
	}
	expectOutput(t, out, "Warning: Apply Will Refuse This Change", "Change Refused In Restricted Mode")

	h.ResetMethods()
	out = w.applyFails(restricted + changes)
	for _, want := range []string{
		`create of ceso_vm "sec-create"`,
		`create of ceso_cloudinit "sec-ci-create"`,
		`update of ceso_vm "sec-update"`,
		`update of ceso_vm "sec-power"`,
		`delete of ceso_vm "sec-replace"`,
		`delete of ceso_vm "sec-delete"`,
		`update of ceso_cloudinit "sec-ci-2"`,
		`discard of ceso_cloudinit "sec-ci-delete"`,
	} {
		expectOutput(t, out, "Error: Refused: Change Refused In Restricted Mode", "ceso refused "+want, "restricted mode refuses every change")
	}
	if wr := writesIn(h.Methods()); len(wr) > 0 {
		t.Errorf("restricted apply sent %v to the host", wr)
	}
	ctx := context.Background()
	if v := h.VM(ctx, "sec-update"); v.Config.Hardware.NumCPU != 1 {
		t.Errorf("sec-update has %d CPUs, want 1", v.Config.Hardware.NumCPU)
	}
	if v := h.VM(ctx, "sec-power"); v.Runtime.PowerState != types.VirtualMachinePowerStatePoweredOff {
		t.Errorf("sec-power is %s, want off", v.Runtime.PowerState)
	}
	if v := h.VM(ctx, "sec-replace"); v.Config.Firmware != "bios" {
		t.Errorf("sec-replace has firmware %s, want bios", v.Config.Firmware)
	}
	h.exactlyOne("sec-update", "sec-power", "sec-replace", "sec-delete")
	if n := h.vms()["sec-create"]; n != 0 {
		t.Errorf("sec-create exists %d times", n)
	}
	w.converged(h.config("") + before)

	w.destroy(h.config("") + before)
	h.noLeaks(true)
}

// Security: in standard mode destroying a VM needs an elevation. Without a
// grant the plan warns and the apply is refused; a grant for other VMs is
// refused with its own message; a grant that covers the VM lets the destroy
// through. Nothing reaches the host until then. Not parallel: the approver
// installs the policy file through CESO_POLICY_FILE, which the CLI passes
// to the provider process.
func TestAccChaos_standardModeDestroyNeedsAGrant(t *testing.T) {
	w := newWorkspace(t)
	h := startHost(t, simhost.Options{})
	ap := acctest.NewApprover(t, "unrestricted")
	standard := func(grant string) string {
		extra := []string{`mode = "standard"`}
		if grant != "" {
			extra = append(extra, fmt.Sprintf("elevation = %q", grant))
		}
		return h.config("", extra...)
	}
	vm := `
resource "ceso_vm" "web" {
  name        = "web-01"
  power_state = "off"
}
`
	w.mustApply(standard("") + vm)
	h.exactlyOne("web-01")

	for _, tc := range []struct {
		name  string
		grant string
		want  []string
	}{
		{"no grant", "", []string{"Error: Refused: Elevation Required For Destructive Change",
			`ceso refused delete of ceso_vm "web-01"`, "standard mode needs an elevation", "--mode unrestricted --scope \"web-01\""}},
		{"grant for other VMs", ap.Grant("unrestricted", []string{"other-*"}, time.Now(), time.Hour), []string{
			"Error: Refused: Elevation Grant Does Not Apply", `ceso refused delete of ceso_vm "web-01"`,
			`it covers VMs matching other-*, not "web-01"`}},
	} {
		out, planned, err := w.plan(standard(tc.grant))
		if err != nil || !planned {
			t.Fatalf("%s: plan (changes %v): %v\n%s", tc.name, planned, err, out)
		}
		expectOutput(t, out, "Warning: Apply Will Refuse This Change", strings.TrimPrefix(tc.want[0], "Error: Refused: "))
		h.ResetMethods()
		w.applyFails(standard(tc.grant), tc.want...)
		if wr := writesIn(h.Methods()); len(wr) > 0 {
			t.Errorf("%s: a refused destroy sent %v to the host", tc.name, wr)
		}
		h.exactlyOne("web-01")
	}

	w.mustApply(standard(ap.Grant("unrestricted", []string{"web-*"}, time.Now(), time.Hour)))
	if n := h.vms()["web-01"]; n != 0 {
		t.Errorf("web-01 still exists after the granted destroy")
	}
	h.noLeaks(true)
}
