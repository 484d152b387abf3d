package chaos_test

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/vmware/govmomi/vim25/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/audit"
	"github.com/esxi-commander/terraform-provider-ceso/internal/cli"
	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
)

// keyFile writes the approver's private key the way keygen does.
func (sp *systemPolicy) keyFile() string {
	sp.t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(sp.priv)
	if err != nil {
		sp.t.Fatal(err)
	}
	p := filepath.Join(sp.t.TempDir(), "approver.key")
	if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		sp.t.Fatal(err)
	}
	return p
}

// approve runs the approver's command, grant issue, and returns the token.
func (sp *systemPolicy) approve(args ...string) string {
	sp.t.Helper()
	var out, errb bytes.Buffer
	args = append([]string{"grant", "issue", "--key", sp.keyFile(), "--reason", "CHG-7", "--approver", "approver@example.com"}, args...)
	if code := cli.Run(args, &out, &errb); code != 0 {
		sp.t.Fatalf("grant issue %v: exit %d\n%s", args, code, errb.String())
	}
	sp.t.Logf("grant issue: %s", errb.String())
	return strings.TrimSpace(out.String())
}

// planJSON saves a plan of cfg and returns the path of its JSON form.
func (w *workspace) planJSON(cfg string) string {
	w.t.Helper()
	w.write(cfg)
	if out, err := w.run("plan", "-input=false", "-no-color", "-out=tfplan"); err != nil {
		w.t.Fatalf("plan: %v\n%s", err, out)
	}
	out, err := w.run("show", "-json", "tfplan")
	if err != nil {
		w.t.Fatalf("show -json: %v\n%s", err, out)
	}
	// The CLI may print the dev_overrides warning before the JSON.
	i := strings.Index(out, `{"format_version"`)
	if i < 0 {
		w.t.Fatalf("show -json printed no plan:\n%s", out)
	}
	p := filepath.Join(w.dir, "plan.json")
	if err := os.WriteFile(p, []byte(strings.TrimSpace(out[i:])), 0o600); err != nil {
		w.t.Fatal(err)
	}
	return p
}

// setEnv replaces (or adds) one variable of the CLI's environment.
func (w *workspace) setEnv(k, v string) {
	for i, e := range w.env {
		if strings.HasPrefix(e, k+"=") {
			w.env[i] = k + "=" + v
			return
		}
	}
	w.env = append(w.env, k+"="+v)
}

// A plan-bound grant allows the changes of the plan the approver reviewed
// and nothing else; a one-time grant serves one apply; a grant names the
// host it is for.
func TestAccChaos_grantsAreBoundToPlanUseAndHost(t *testing.T) {
	t.Parallel()
	w := newWorkspace(t)
	h := startHost(t, simhost.Options{})
	auditPath := filepath.Join(t.TempDir(), "audit.jsonl")
	sp := installPolicy(t, w, map[string]any{"audit": map[string]any{"file": auditPath}})
	standard := h.config("", `mode = "standard"`)
	vms := func(del, extra bool, disks int) string {
		cfg := fmt.Sprintf(`
resource "ceso_vm" "disks" {
  name        = "pb-disks"
  power_state = "off"
%s}
`, numberedDisks(disks))
		if del {
			cfg += fmt.Sprintf(offVM, "del", "pb-del")
		}
		if extra {
			cfg += fmt.Sprintf(offVM, "extra", "pb-extra")
		}
		return cfg
	}
	w.mustApply(standard + vms(true, true, 2))

	// The agent plans two changes that need an elevation; the approver
	// reviews the JSON plan and binds a grant to it.
	planPath := w.planJSON(standard + vms(false, true, 1))
	token := sp.approve("--plan", planPath, "--host", "127.0.0.1")
	var out, errb bytes.Buffer
	if code := cli.Run([]string{"grant", "inspect", "--policy", sp.path, "--plan", planPath, token}, &out, &errb); code != 0 {
		t.Fatalf("grant inspect --plan: exit %d\n%s%s", code, out.String(), errb.String())
	}
	expectOutput(t, out.String(), "plan:       bound to 2 changes", "delete ceso_vm", "update ceso_vm", "needs no elevation beyond the grant")

	// A different plan with one more delete, under the same grant, is
	// refused before anything is written.
	w.setEnv("CESO_ELEVATION", token)
	h.ResetMethods()
	w.applyFails(standard+vms(false, false, 1), "Change Not In The Approved Plan", "pb-extra")
	h.noHostCalls(true)
	h.exactlyOne("pb-del", "pb-extra", "pb-disks")

	// The approved plan applies.
	if out, err := w.run("apply", "-input=false", "-no-color", "tfplan"); err != nil {
		t.Fatalf("apply of the approved plan: %v\n%s", err, out)
	}
	if n := h.vms()["pb-del"]; n != 0 {
		t.Errorf("pb-del still exists after the approved plan")
	}
	disks := 0
	for _, d := range h.VM(context.Background(), "pb-disks").Config.Hardware.Device {
		if _, ok := d.(*types.VirtualDisk); ok {
			disks++
		}
	}
	if disks != 1 {
		t.Errorf("pb-disks has %d disks after the approved plan, want 1", disks)
	}
	expectAudited(t, auditPath, map[string]string{"kind": "intent", "action": "delete", "object": "pb-del"})

	// A one-time grant serves one apply.
	once := sp.approve("--mode", "unrestricted", "--scope", "pb-*", "--host", "127.0.0.1", "--once")
	w.setEnv("CESO_ELEVATION", once)
	w.mustApply(standard + vms(false, false, 1))
	if n := h.vms()["pb-extra"]; n != 0 {
		t.Errorf("pb-extra still exists after the one-time grant's apply")
	}
	h.ResetMethods()
	w.applyFails(standard, "Elevation Grant Already Used")
	h.noHostCalls(true)
	h.exactlyOne("pb-disks")
	expectAudited(t, auditPath, map[string]string{"kind": "event", "reason": "configuration refused", "details.summary": "Elevation Grant Already Used"})

	// A grant for another host is refused there.
	other := sp.approve("--mode", "unrestricted", "--scope", "*", "--host", "esxi99.example.com")
	w.setEnv("CESO_ELEVATION", other)
	h.ResetMethods()
	w.applyFails(standard, "Elevation Grant For Another Host", "esxi99.example.com")
	h.noHostCalls(true)
	h.exactlyOne("pb-disks")
}

// The audit file the policy requires to be append-only: the provider does
// not start until root has set the attribute, and then nobody, root
// included, can rewrite or truncate what it wrote. Runs as root on Linux
// (as CI does) on a filesystem with the attribute (ext4 here); it fails,
// rather than skips, when chattr does not work there.
func TestAccChaos_appendOnlyAudit(t *testing.T) {
	t.Parallel()
	if os.Geteuid() != 0 {
		t.Skip("chattr +a needs root (CAP_LINUX_IMMUTABLE); CI runs this test as root")
	}
	w := newWorkspace(t)
	h := startHost(t, simhost.Options{})
	dir := t.TempDir()
	auditPath := filepath.Join(dir, "audit.jsonl")
	installPolicy(t, w, map[string]any{"audit": map[string]any{"file": auditPath, "required": true, "append_only": true}})
	standard := h.config("", `mode = "standard"`)
	vm := fmt.Sprintf(offVM, "a", "ao-1")

	// Without the attribute the provider refuses to start.
	h.ResetMethods()
	w.applyFails(standard+vm, "Unusable Audit File", "append-only attribute", "chattr +a")
	h.noHostCalls(false)

	// The documented set-up: a group-writable file with the attribute.
	if err := os.Chmod(auditPath, 0o660); err != nil {
		t.Fatal(err)
	}
	chattr(t, "+a", auditPath)
	t.Cleanup(func() { chattr(t, "-a", auditPath) })
	if out, err := exec.CommandContext(t.Context(), "lsattr", auditPath).CombinedOutput(); err != nil || !strings.Contains(strings.Fields(string(out))[0], "a") {
		t.Fatalf("lsattr %s: %v %s", auditPath, err, out)
	}
	w.mustApply(standard + vm)
	expectAudited(t, auditPath, map[string]string{"kind": "intent", "object": "ao-1", "action": "create"})

	// Rewriting the chain (to drop or edit records) and truncating fail.
	if err := os.WriteFile(auditPath, []byte("{}\n"), 0o660); !errors.Is(err, syscall.EPERM) {
		t.Errorf("rewriting the audit file: %v, want EPERM", err)
	}
	if err := os.Truncate(auditPath, 0); !errors.Is(err, syscall.EPERM) {
		t.Errorf("truncating the audit file: %v, want EPERM", err)
	}
	s, err := audit.VerifyFile(auditPath)
	if err != nil || s.Records < 3 {
		t.Errorf("audit verify: %d records, %v", s.Records, err)
	}
}

func chattr(t *testing.T, flag, path string) {
	t.Helper()
	if out, err := exec.CommandContext(context.Background(), "chattr", flag, path).CombinedOutput(); err != nil {
		t.Fatalf("chattr %s %s: %v %s (the test needs a filesystem with the append-only attribute, e.g. ext4 or xfs)", flag, path, err, out)
	}
}
