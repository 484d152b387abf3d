package chaos_test

import (
	"sync"
	"sync/atomic"
	"testing"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
)

// Scenario 7: the host ends every session of the provider in the middle
// of an apply (as when sessions time out on the host during a long
// apply), answering the call in flight with NotAuthenticated. The pool logs
// in again, the call is retried, and the apply succeeds: three VMs made
// from a template in parallel, nothing else left, and every session logged
// out when the provider exits.
func TestAccChaos_sessionsExpireMidApply(t *testing.T) {
	t.Parallel()
	w := newWorkspace(t)
	h := startHost(t, simhost.Options{})
	cfg := h.config("") + `
resource "ceso_vm" "web" {
  count       = 3
  name        = "web-${count.index}"
  template    = "ceso-template"
  power_state = "on"
}
`
	var once sync.Once
	var loginsBefore atomic.Int64
	var terminateErr atomic.Value
	h.AddHook(func(_ *simulator.Context, m *simulator.Method) types.BaseMethodFault {
		if m.Name != "CopyVirtualDisk_Task" {
			return nil
		}
		var expired bool
		once.Do(func() {
			loginsBefore.Store(int64(h.CountMethod("Login")))
			if err := h.terminateProviderSessions(); err != nil {
				terminateErr.Store(err)
			}
			expired = true
		})
		if expired {
			return &types.NotAuthenticated{NoPermission: types.NoPermission{PrivilegeId: "System.View"}}
		}
		return nil
	})
	h.ResetMethods()
	w.mustApply(cfg)
	if err, _ := terminateErr.Load().(error); err != nil {
		t.Fatalf("the hook could not end the sessions: %v", err)
	}
	if loginsBefore.Load() == 0 {
		t.Fatal("the sessions were never ended: the scenario tests nothing")
	}
	// The harness's own Login to end the sessions counts once.
	if relogins := int64(h.CountMethod("Login")) - loginsBefore.Load() - 1; relogins < 1 {
		t.Errorf("no Login after the sessions ended (%d before, %d in all): the pool did not log in again", loginsBefore.Load(), h.CountMethod("Login"))
	}
	h.exactlyOne("web-0", "web-1", "web-2")
	h.noOrphans("web-0", "web-1", "web-2")
	w.converged(cfg)
	w.destroy(cfg)
	h.noLeaks(true)
}
