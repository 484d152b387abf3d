package chaos_test

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/esxi-commander/terraform-provider-ceso/internal/audit"
	"github.com/esxi-commander/terraform-provider-ceso/internal/cli"
	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
)

// The agent-workflow example, end to end on a simulated host: the agent
// plans in the policy's default (restricted) mode and saves the plan, the
// approver binds a one-time grant to its JSON, the runner checks the plan
// against the grant and applies exactly that plan in standard mode. A
// second apply with the grant is refused. (The read-only ESXi user of the
// real set-up is the host's business; the simulator has one user.)
func TestAccChaos_agentWorkflowExample(t *testing.T) {
	t.Parallel()
	w := newWorkspace(t)
	h := startHost(t, simhost.Options{})
	auditPath := filepath.Join(t.TempDir(), "audit.jsonl")
	sp := installPolicy(t, w, map[string]any{"default_mode": "restricted",
		"audit": map[string]any{"file": auditPath, "required": true},
		"hosts": []map[string]string{{"host": h.URL.String()}}})
	_, self, _, _ := runtime.Caller(0)
	example, err := os.ReadFile(filepath.Join(filepath.Dir(self), "..", "..", "examples", "scenarios", "agent-workflow", "main.tf"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(w.dir, "main.tf"), example, 0o600); err != nil {
		t.Fatal(err)
	}
	w.env = append(w.env, "CESO_HOST="+h.URL.String(), "CESO_USERNAME="+h.Username, "CESO_PASSWORD="+h.Password)
	vars := func(web string) []string {
		return []string{"-var=template=ceso-template", "-var=ssh_public_key=ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMDSx01hAA179OhFWdxFqQohIxFQmONyYwsdpIyPfgVr agent@ceso.invalid",
			"-var=web=" + web}
	}
	before := `{"web-03"="192.0.2.12/24","web-04"="192.0.2.13/24"}`
	after := `{"web-04"="192.0.2.13/24","web-05"="192.0.2.14/24"}`

	// What an earlier, approved run left: web-03 and web-04.
	w.setEnv("CESO_MODE", "standard")
	if out, err := w.run(append([]string{"apply", "-auto-approve", "-input=false", "-no-color"}, vars(before)...)...); err != nil {
		t.Fatalf("set-up apply: %v\n%s", err, out)
	}
	h.exactlyOne("web-03", "web-04")

	// 1. The agent plans (the policy's default mode: restricted).
	w.setEnv("CESO_MODE", "")
	out, err := w.run(append([]string{"plan", "-input=false", "-no-color", "-out=tfplan"}, vars(after)...)...)
	if err != nil {
		t.Fatalf("agent plan: %v\n%s", err, out)
	}
	expectOutput(t, out, "Apply Will Refuse This Change", "restricted mode refuses every change")
	out, err = w.run("show", "-json", "tfplan")
	if err != nil {
		t.Fatalf("show -json: %v\n%s", err, out)
	}
	planPath := filepath.Join(w.dir, "plan.json")
	if err := os.WriteFile(planPath, []byte(out[bytes.Index([]byte(out), []byte(`{"format_version"`)):]), 0o600); err != nil {
		t.Fatal(err)
	}

	// 2. The approver binds a one-time grant to the plan.
	token := sp.approve("--plan", planPath, "--host", "127.0.0.1", "--once")

	// 3. The runner checks the plan against the grant and applies it.
	var stdout, stderr bytes.Buffer
	if code := cli.Run([]string{"grant", "inspect", "--policy", sp.path, "--plan", planPath, token}, &stdout, &stderr); code != 0 {
		t.Fatalf("grant inspect --plan: exit %d\n%s%s", code, stdout.String(), stderr.String())
	}
	w.setEnv("CESO_MODE", "standard")
	w.setEnv("CESO_ELEVATION", token)
	if out, err := w.run("apply", "-input=false", "-no-color", "tfplan"); err != nil {
		t.Fatalf("runner apply: %v\n%s", err, out)
	}
	h.exactlyOne("web-04", "web-05")
	if n := h.vms()["web-03"]; n != 0 {
		t.Errorf("web-03 still exists")
	}

	// The grant served its apply: another plan using it is refused.
	h.ResetMethods()
	out, err = w.run(append([]string{"apply", "-auto-approve", "-input=false", "-no-color"}, vars(`{"web-05"="192.0.2.14/24"}`)...)...)
	if err == nil {
		t.Fatalf("a second apply with the one-time grant succeeded:\n%s", out)
	}
	expectOutput(t, out, "Elevation Grant Already Used")
	h.noHostCalls(true)
	if _, err := audit.Verify(auditPath); err != nil {
		t.Errorf("audit verify: %v", err)
	}
	expectAudited(t, auditPath, map[string]string{"kind": "intent", "action": "delete", "object": "web-03"})
}
