package chaos_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/acctest"
	"github.com/esxi-commander/terraform-provider-ceso/internal/backup/drill"
	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
)

// The provider process is killed (SIGKILL) while a restore drill powers
// its temporary VM on: the backup is complete, the drill VM is left on the
// host under its lease, and nothing is in the state. The next apply makes a
// new backup, and its drill removes the dead drill's VM and files once the
// lease ran out ("Removed A Leftover Drill VM"). Nothing of either drill
// survives; only the backups stay (retain_on_destroy).
func TestAccChaos_providerKilledMidDrill(t *testing.T) {
	t.Parallel()
	w := newWorkspace(t)
	w.env = append(w.env, "CESO_LEASE_TTL="+leaseTTL.String())
	h := startHost(t, simhost.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	if err := h.PlayGuest(ctx, 100*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	cfg := h.config("") + `
resource "ceso_vm" "src" {
  name        = "drilled-01"
  template    = "ceso-template"
  power_state = "on"
}

resource "ceso_backup" "b" {
  vm            = ceso_vm.src.id
  destination   = "[LocalDS_0] backups"
  verify        = "boot"
  drill_timeout = "1m"
}
`
	// The first power-on is the source VM's, the second the drill VM's.
	var powerOns atomic.Int32
	var killed atomic.Bool
	h.AddHook(func(_ *simulator.Context, m *simulator.Method) types.BaseMethodFault {
		if m.Name == "PowerOnVM_Task" && powerOns.Add(1) == 2 {
			if err := w.killProvider(); err != nil {
				t.Errorf("kill the provider: %v", err)
				return nil
			}
			killed.Store(true)
		}
		return nil
	})
	out, err := w.apply(cfg)
	if err == nil || !killed.Load() {
		t.Fatalf("apply with the provider killed mid-drill: error %v, killed %v\n%s", err, killed.Load(), out)
	}
	h.ClearHooks()
	if _, ok := w.stateResources()["ceso_backup.b"]; ok {
		t.Error("the killed drill's backup is in the state")
	}
	drillVMs := func() []string {
		var out []string
		for _, n := range h.VMNames(context.Background()) {
			if strings.Contains(n, drill.Infix) {
				out = append(out, n)
			}
		}
		return out
	}
	left := drillVMs()
	if len(left) != 1 {
		t.Fatalf("after the kill: drill VMs %v, want the one the dead drill left", left)
	}

	time.Sleep(leaseTTL + time.Second) // the dead drill's lease runs out
	out = w.mustApply(cfg)
	expectOutput(t, out, "Removed A Leftover Drill VM", left[0])
	if vms := drillVMs(); len(vms) > 0 {
		t.Errorf("drill VMs left after the second apply: %v", vms)
	}
	if d := w.stateResources()["ceso_backup.b"]; d == nil || d["drill_result"] != "ok" {
		t.Errorf("the second apply's backup in the state: %v; want drill_result ok", d)
	}
	w.converged(cfg)
	w.destroy(cfg)
	// Both backups stay (retain_on_destroy); nothing else does.
	acctest.NoLeaks(t, h.before, h.Contents(context.Background()), "/backups/drilled-01/")
}
