package chaos_test

import (
	"testing"
	"time"

	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
)

// Scenario 4: a host call outlasts api_timeout. The apply fails with a
// timeout error naming the call, and either nothing half-made remains (the
// provider removed the VM it had started) or, when the host finished the
// call after the provider gave up on it, the next apply cleans it up and
// converges to exactly one VM.
func TestAccChaos_apiTimeout(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		method, op string
		// left is what remains after the failed apply, once the host has
		// finished the slow call: the VM the host made after the provider
		// gave up (CreateVM_Task), or nothing (the provider removed it).
		left     int
		converge []string
	}{
		{"CreateVM_Task", "create VM slow-01", 1, []string{"Cleaned Up An Interrupted Create"}},
		{"ReconfigVM_Task", "reconfigure VM slow-01", 0, nil},
	} {
		t.Run(tc.method, func(t *testing.T) {
			t.Parallel()
			w := newWorkspace(t)
			w.env = append(w.env, "CESO_LEASE_TTL="+leaseTTL.String())
			h := startHost(t, simhost.Options{})
			vm := `
resource "ceso_vm" "slow" {
  name        = "slow-01"
  template    = "ceso-template"
  power_state = "off"
}
`
			const delay = 4000 // ms; every other call answers at once
			h.Model.DelayConfig.MethodDelay = map[string]int{tc.method: delay}
			w.applyFails(h.config("", `api_timeout = "2s"`)+vm, "Error: Cannot Create VM", tc.op+": "+tc.method+": no answer within api_timeout (2s)",
				"The host did not answer within api_timeout; raise api_timeout or check the host's load")
			// The host finishes the slow call after the provider gave up.
			time.Sleep(delay * time.Millisecond)
			h.Model.DelayConfig.MethodDelay = nil
			if got := h.vms()["slow-01"]; got != tc.left {
				t.Errorf("%d VMs named slow-01 after the timeout, want %d", got, tc.left)
			}
			if n := len(w.stateResources()); n != 0 {
				t.Errorf("the failed create left %d resources in state", n)
			}
			if tc.left == 0 {
				h.noLeaks(true)
			}

			// The VM the host made after the provider gave up carries that
			// create's lease: the next apply waits for it to run out.
			time.Sleep(leaseTTL)
			// The host is quick again; the default api_timeout applies.
			cfg := h.config("") + vm
			out := w.mustApply(cfg)
			if tc.converge != nil {
				expectOutput(t, out, tc.converge...)
			}
			h.exactlyOne("slow-01")
			h.noOrphans("slow-01")
			w.converged(cfg)
			w.destroy(cfg)
			h.noLeaks(true)
		})
	}
}
