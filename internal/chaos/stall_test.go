package chaos_test

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/acctest"
	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
)

// Scenario 4, on the network: the connection stays open but nothing passes
// any more (a stalled middlebox), once while a call is in flight and once
// while the provider waits for the disk copy task to finish. Neither hangs
// until the operation's own timeout (3m here): the apply fails on
// api_timeout, with an error that names the operation, the call and
// api_timeout. Once the network is back and the stalled create's lease ran
// out, the next apply converges.
func TestAccChaos_networkStalls(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		// stallOn is the method whose serving starts the stall; after, when
		// set, must have been served before.
		stallOn, after string
		want           string
	}{
		{"call in flight", "CopyVirtualDisk_Task", "", "web-01.vmdk: CopyVirtualDisk_Task: no answer within api_timeout (2s)"},
		{"task wait", "WaitForUpdatesEx", "CopyVirtualDisk_Task", "web-01.vmdk: WaitForUpdatesEx: no answer within api_timeout (2s) after the 2s the host may hold this call"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := newWorkspace(t)
			w.env = append(w.env, "CESO_LEASE_TTL="+leaseTTL.String())
			h := startHost(t, simhost.Options{})
			p := acctest.StartProxy(t, h.URL.Host)
			vm := `
resource "ceso_vm" "web" {
  name        = "web-01"
  template    = "ceso-template"
  power_state = "off"
  timeouts {
    create = "3m"
  }
}
`
			var once sync.Once
			var armed, stalled atomic.Bool
			armed.Store(tc.after == "")
			h.AddHook(func(_ *simulator.Context, m *simulator.Method) types.BaseMethodFault {
				switch {
				case m.Name == tc.after:
					armed.Store(true)
				case m.Name == tc.stallOn && armed.Load():
					once.Do(func() { p.Stall(); stalled.Store(true) })
				}
				return nil
			})
			w.applyFails(h.config(p.URL(h.URL).String(), `api_timeout = "2s"`)+vm, "Error: Cannot Create VM", "copy disk", tc.want, "raise api_timeout")
			if !stalled.Load() {
				t.Fatal("the network never stalled: the scenario tests nothing")
			}

			p.Heal()
			h.ClearHooks()
			// The stalled create could not remove its VM; its lease runs out.
			time.Sleep(leaseTTL + time.Second)
			cfg := h.config(p.URL(h.URL).String()) + vm
			w.mustApply(cfg)
			h.exactlyOne("web-01")
			h.noOrphans("web-01")
			w.converged(cfg)
			w.destroy(cfg)
			h.noLeaks(false)
		})
	}
}
