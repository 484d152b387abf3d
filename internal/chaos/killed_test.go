package chaos_test

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
)

// Scenario 8: the provider process is killed in the middle of a create
// (SIGKILL: no cleanup, no logout, nothing returned to the CLI), once while
// the template's disk is being copied (the VM exists, marked "creating")
// and once while it powers on (the VM is complete, marked "ready"). The
// CLI records nothing in state. The next apply finds the VM by its marker
// and, once the dead create's lease ran out, cleans it up and makes it
// again; a complete VM it never takes over, it points to import: after the
// import the apply converges. Exactly one VM, no orphan files.
func TestAccChaos_providerKilledMidCreate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		method string
		want   string
	}{
		{"CopyVirtualDisk_Task", "Cleaned Up An Interrupted Create"},
		{"PowerOnVM_Task", "VM Exists And Is Not In This State"},
	} {
		t.Run(tc.method, func(t *testing.T) {
			t.Parallel()
			w := newWorkspace(t)
			w.env = append(w.env, "CESO_LEASE_TTL="+leaseTTL.String())
			h := startHost(t, simhost.Options{})
			cfg := h.config("") + `
resource "ceso_vm" "app" {
  name        = "app-01"
  template    = "ceso-template"
  power_state = "on"
}
`
			var once sync.Once
			var killed atomic.Bool
			h.AddHook(func(_ *simulator.Context, m *simulator.Method) types.BaseMethodFault {
				if m.Name == tc.method {
					once.Do(func() {
						if err := w.killProvider(); err != nil {
							t.Errorf("kill the provider: %v", err)
							return
						}
						killed.Store(true)
					})
				}
				return nil
			})
			out, err := w.apply(cfg)
			if err == nil || !killed.Load() {
				t.Fatalf("apply with the provider killed: error %v, killed %v\n%s", err, killed.Load(), out)
			}
			// The CLI words a dead plugin one of two ways, depending on whether
			// the request was still being sent or already waiting for an answer.
			if !strings.Contains(out, "Error: Plugin did not respond") && !strings.Contains(out, "Error: Request cancelled") {
				t.Errorf("the apply did not report the provider's death:\n%s", out)
			}
			expectOutput(t, out, "ApplyResourceChange")
			if n := len(w.stateResources()); n != 0 {
				t.Errorf("the killed create left %d resources in state", n)
			}
			h.exactlyOne("app-01") // the half-made VM, unknown to the state
			// A killed process logs nothing out; its sessions expire on a
			// real host. Nothing later may add to them.
			stranded := h.Contents(context.Background()).Sessions

			h.ClearHooks()
			uuid := h.vmUUID("app-01")
			if tc.method == "PowerOnVM_Task" {
				// Complete, but not in this state: refused, with the way out.
				w.applyFails(cfg, "Error: "+tc.want, "terraform import")
				if out, err := w.run("import", "-input=false", "-no-color", "ceso_vm.app", uuid); err != nil {
					t.Fatalf("import: %v\n%s", err, out)
				}
				// (Import does not record the template a VM was made from, so
				// this configuration replaces the imported VM: the state's own
				// now, which it may.)
				w.mustApply(cfg)
			} else {
				// The killed create's lease runs out; nothing else holds it.
				time.Sleep(leaseTTL + time.Second)
				out = w.mustApply(cfg)
				expectOutput(t, out, tc.want)
			}
			h.exactlyOne("app-01")
			h.noOrphans("app-01")
			w.converged(cfg)
			w.destroy(cfg)
			h.noLeaks(false)
			if s := h.Contents(context.Background()).Sessions; s > stranded {
				t.Errorf("%d sessions logged in, want at most the %d the killed provider stranded", s, stranded)
			}
		})
	}
}
