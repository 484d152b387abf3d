package chaos_test

import (
	"context"
	"testing"
	"time"

	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
)

// leaseTTL is the create lease the scenarios' providers take (through
// CESO_LEASE_TTL), so a lease a killed provider left expires within a test.
const leaseTTL = 5 * time.Second

// applied is the end of an apply run in the background.
type applied struct {
	out string
	err error
}

// applyAsync applies cfg in the background.
func (w *workspace) applyAsync(cfg string) <-chan applied {
	w.write(cfg)
	ch := make(chan applied, 1)
	go func() {
		out, err := w.run("apply", "-auto-approve", "-input=false", "-no-color")
		ch <- applied{out, err}
	}()
	return ch
}

// eventually polls cond until it holds, and fails the test after a
// generous bound: the scenarios wait for states, never for durations.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(cliTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting: %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// until waits for an apply running in the background to end, or for the
// host to start a copy beyond want (the apply took over the VM and copies
// again: the bug these scenarios catch, which would otherwise hang on the
// held copy). It returns the apply's end, or false with the apply still
// running.
func until(t *testing.T, h *chaosHost, ch <-chan applied, want int) (applied, bool) {
	t.Helper()
	for {
		select {
		case a := <-ch:
			return a, true
		case <-time.After(50 * time.Millisecond):
		}
		if h.StartedCopies() > want {
			return applied{}, false
		}
	}
}

// vmUUID is the instance UUID of the one VM of name on the host.
func (h *chaosHost) vmUUID(name string) string {
	h.t.Helper()
	v := h.VM(context.Background(), name)
	return v.Config.InstanceUuid
}

// Two workspaces apply the same VM name at once. The first one's create
// is in flight (its disk copy runs on the host) when the second starts:
// the second must neither destroy the first one's VM nor take it over,
// and after the first one finished, the second still must not adopt a VM
// its state did not create; it points to import instead.
func TestAccChaos_twoAppliesSameName(t *testing.T) {
	t.Parallel()
	wa, wb := newWorkspace(t), newWorkspace(t)
	h := startHost(t, simhost.Options{})
	t.Cleanup(h.ReleaseCopies)
	cfg := h.config("") + `
resource "ceso_vm" "app" {
  name        = "shared-01"
  template    = "ceso-template"
  power_state = "off"
}
`
	h.HoldCopies()
	first := wa.applyAsync(cfg)
	eventually(t, "the first apply starts copying", func() bool { return h.StartedCopies() >= 1 })
	uuid := h.vmUUID("shared-01")

	second := wb.applyAsync(cfg)
	b, ended := until(t, h, second, 1)
	h.ReleaseCopies()
	if !ended {
		b = <-second
		t.Errorf("the second apply copied a disk of its own: it took the name over from the create in flight\n%s", b.out)
	}
	a := <-first
	if a.err != nil {
		t.Errorf("the first apply failed: %v\n%s", a.err, a.out)
	}
	if b.err == nil {
		t.Errorf("the second apply succeeded while the first one created the VM\n%s", b.out)
	} else {
		expectOutput(t, b.out, "Error: Cannot Create VM", "VM Being Created Elsewhere", "shared-01")
	}
	h.exactlyOne("shared-01")
	if got := h.vmUUID("shared-01"); got != uuid {
		t.Fatalf("the VM the first apply made (%s) was replaced by %s", uuid, got)
	}
	if got := wa.stateResources()["ceso_vm.app"]["id"]; got != uuid {
		t.Errorf("the first workspace holds %v, want the VM it made (%s)", got, uuid)
	}
	if n := len(wb.stateResources()); n != 0 {
		t.Errorf("the second workspace holds %d resources, want none", n)
	}

	// The VM is complete now; the second workspace still did not make it.
	out := wb.applyFails(cfg, "Error: VM Exists And Is Not In This State", "shared-01", "terraform import")
	t.Log(diagnostics(out))
	if n := len(wb.stateResources()); n != 0 {
		t.Errorf("the second workspace took the VM over: %d resources in its state", n)
	}
	if got := h.vmUUID("shared-01"); got != uuid {
		t.Fatalf("the VM was replaced: %s, want %s", got, uuid)
	}
	wa.converged(cfg)
	wa.destroy(cfg)
	h.noLeaks(true)
}

// The provider is killed while the host copies the template's disk, and
// the user retries at once. The copy still runs on the host: the retry
// must not destroy the VM around it, neither while the killed create's
// lease holds nor after it expired while the task still runs. Once the
// copy ended and the lease expired, the retry cleans up and converges.
func TestAccChaos_retryWhileHostCopies(t *testing.T) {
	t.Parallel()
	w := newWorkspace(t)
	w.env = append(w.env, "CESO_LEASE_TTL="+leaseTTL.String())
	h := startHost(t, simhost.Options{})
	t.Cleanup(h.ReleaseCopies)
	cfg := h.config("") + `
resource "ceso_vm" "app" {
  name        = "retry-01"
  template    = "ceso-template"
  power_state = "off"
}
`
	h.HoldCopies()
	first := w.applyAsync(cfg)
	eventually(t, "the apply starts copying", func() bool { return h.StartedCopies() >= 1 })
	uuid := h.vmUUID("retry-01")
	if err := w.killProvider(); err != nil {
		t.Fatal(err)
	}
	if a := <-first; a.err == nil {
		t.Fatalf("the apply whose provider was killed succeeded\n%s", a.out)
	}
	if h.RunningCopies() != 1 {
		t.Fatalf("%d copies run on the host, want the killed create's one", h.RunningCopies())
	}

	retry := func(phrases ...string) {
		t.Helper()
		r, ended := until(t, h, w.applyAsync(cfg), 1)
		if !ended {
			t.Fatalf("the retry started a copy of its own while the host still copied for the killed create")
		}
		if r.err == nil {
			t.Fatalf("the retry succeeded while the host still copied for the killed create\n%s", r.out)
		}
		expectOutput(t, r.out, phrases...)
		if got := h.vmUUID("retry-01"); got != uuid {
			t.Fatalf("the retry replaced the VM in flight (%s) with %s", uuid, got)
		}
	}
	// At once: the killed create's lease holds.
	retry("Error: Cannot Create VM", "VM Being Created Elsewhere", "retry-01", "holds it until")
	// After the lease expired, the host still copies.
	time.Sleep(leaseTTL + time.Second)
	retry("Error: Cannot Create VM", "VM Being Created Elsewhere", "retry-01", "lease ran out", "still runs")
	if h.RunningCopies() != 1 {
		t.Fatalf("%d copies run on the host, want the killed create's one", h.RunningCopies())
	}

	// The copy ends; the lease has expired: the retry cleans up.
	h.ReleaseCopies()
	eventually(t, "the copy ends", func() bool { return h.RunningCopies() == 0 })
	out := w.mustApply(cfg)
	expectOutput(t, out, "Cleaned Up An Interrupted Create")
	h.exactlyOne("retry-01")
	h.noOrphans("retry-01")
	w.converged(cfg)
	w.destroy(cfg)
	h.noLeaks(false)
}

// The create's timeout passes while the host copies the template's disk:
// the provider cancels the copy on the host, waits for it to end, and
// removes what it made. Nothing runs on or is left on the host.
func TestAccChaos_createTimeoutMidCopy(t *testing.T) {
	t.Parallel()
	w := newWorkspace(t)
	h := startHost(t, simhost.Options{})
	t.Cleanup(h.ReleaseCopies)
	cfg := h.config("") + `
resource "ceso_vm" "app" {
  name        = "late-01"
  template    = "ceso-template"
  power_state = "off"
  timeouts {
    create = "20s"
  }
}
`
	h.HoldCopies()
	out := w.applyFails(cfg, "Error: Cannot Create VM", "late-01")
	t.Log(diagnostics(out))
	if n := h.CancelledCopies(); n != 1 {
		t.Errorf("%d copies cancelled on the host, want 1", n)
	}
	if n := h.RunningCopies(); n != 0 {
		t.Errorf("%d copies still run on the host after the apply gave up", n)
	}
	if n := h.vms()["late-01"]; n != 0 {
		t.Errorf("%d VMs named late-01 left", n)
	}
	if n := len(w.stateResources()); n != 0 {
		t.Errorf("the failed create left %d resources in state", n)
	}
	h.noLeaks(true)
}
