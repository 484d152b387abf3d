package chaos_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
)

// A change that needs a running VM powered off, with allow_power_cycle =
// true: the plan warns, naming the VM, that it will be shut down and
// powered on; the apply does it; the audit records the update with its
// power_cycle effect (and power_off_forced, since the simulated guest has
// no VMware Tools to shut down and force_power_off allows a hard power-off).
// The intent record carries the effects; its outcome shares its op_id.
func TestAccChaos_powerCycleWarnedAndAudited(t *testing.T) {
	t.Parallel()
	w := newWorkspace(t)
	h := startHost(t, simhost.Options{})
	auditPath := filepath.Join(t.TempDir(), "audit.jsonl")
	cfg := func(memory int) string {
		return h.config("", fmt.Sprintf("audit_file = %q", auditPath)) + fmt.Sprintf(`
resource "ceso_vm" "v" {
  name              = "cycle-01"
  template          = "ceso-template"
  memory_mb         = %d
  allow_power_cycle = true
  force_power_off   = true
  shutdown_timeout  = "1s"
}
`, memory)
	}
	w.mustApply(cfg(1024))

	w.write(cfg(2048))
	out, err := w.run("plan", "-input=false", "-no-color")
	if err != nil {
		t.Fatalf("plan: %v\n%s", err, out)
	}
	expectOutput(t, out, "Plan: 0 to add, 1 to change", "Warning: VM Will Be Power-Cycled", `VM "cycle-01" will be shut down and powered on`, "memory_mb",
		"powered off hard")

	w.mustApply(cfg(2048))
	v := h.VM(context.Background(), "cycle-01")
	if v.Config.Hardware.MemoryMB != 2048 || v.Runtime.PowerState != "poweredOn" {
		t.Errorf("host: memory %d, power %s; want 2048 and poweredOn", v.Config.Hardware.MemoryMB, v.Runtime.PowerState)
	}
	expectAudited(t, auditPath, map[string]string{"kind": "intent", "action": "update", "object": "cycle-01"}, `"power_cycle"`, `"power_off_forced"`)
	expectAudited(t, auditPath, map[string]string{"kind": "outcome", "action": "update", "object": "cycle-01", "outcome": "success"})
}
