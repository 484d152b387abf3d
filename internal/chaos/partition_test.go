package chaos_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/acctest"
	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
)

// cutWhenServed cuts the proxy the first time the host serves method: the
// request reaches the host and runs there, its answer is lost, and every
// later call fails until the proxy heals. That is a network partition in
// the middle of an operation, the worst moment for the provider.
func cutWhenServed(h *chaosHost, p *acctest.Proxy, method string) {
	var once sync.Once
	h.AddHook(func(_ *simulator.Context, m *simulator.Method) types.BaseMethodFault {
		if m.Name == method {
			once.Do(p.Cut)
		}
		return nil
	})
}

// Scenario 1: the network partitions during a create from a template at
// three moments: right after CreateVM_Task (the VM exists, the provider
// never learns its reference), during the disk copy, and during the
// power-on (the VM is complete). The apply fails saying the host could not
// be reached; after the network heals and the cut create's lease ran out,
// the next apply removes and makes again what the cut left, or, for a
// complete VM, refuses to take it over and points to import; after the
// import it converges. Exactly one VM and no orphan files.
func TestAccChaos_partitionDuringCreate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		method string
		want   []string // in the output of the apply that converges
	}{
		{"CreateVM_Task", []string{"Cleaned Up An Interrupted Create"}},
		{"CopyVirtualDisk_Task", []string{"Cleaned Up An Interrupted Create"}},
		{"PowerOnVM_Task", []string{"Error: VM Exists And Is Not In This State", "terraform import"}},
	} {
		t.Run(tc.method, func(t *testing.T) {
			t.Parallel()
			w := newWorkspace(t)
			w.env = append(w.env, "CESO_LEASE_TTL="+leaseTTL.String())
			h := startHost(t, simhost.Options{})
			p := acctest.StartProxy(t, h.URL.Host)
			cfg := h.config(p.URL(h.URL).String()) + `
resource "ceso_vm" "web" {
  name        = "web-01"
  template    = "ceso-template"
  power_state = "on"
}
`
			cutWhenServed(h, p, tc.method)
			w.applyFails(cfg, "Error: Cannot Create VM", "web-01", "Check the host name, the port and the network path to the host")
			if n := len(w.stateResources()); n != 0 {
				t.Errorf("the failed create left %d resources in state", n)
			}
			// The provider could not log out across the partition; those
			// sessions expire on a real host. Nothing later may add to them.
			partitioned := h.Contents(context.Background()).Sessions

			p.Heal()
			h.ClearHooks()
			// The cut create's lease runs out: no process renews it.
			time.Sleep(leaseTTL + time.Second)
			if tc.method == "PowerOnVM_Task" {
				w.applyFails(cfg, tc.want...)
				uuid := h.vmUUID("web-01")
				if out, err := w.run("import", "-input=false", "-no-color", "ceso_vm.web", uuid); err != nil {
					t.Fatalf("import: %v\n%s", err, out)
				}
				w.mustApply(cfg)
			} else {
				expectOutput(t, w.mustApply(cfg), tc.want...)
			}
			h.exactlyOne("web-01")
			h.noOrphans("web-01")
			w.converged(cfg)

			w.destroy(cfg)
			h.noLeaks(false)
			if s := h.Contents(context.Background()).Sessions; s > partitioned {
				t.Errorf("%d sessions left logged in after the network healed, want at most the %d the partition stranded", s, partitioned)
			}
		})
	}
}
