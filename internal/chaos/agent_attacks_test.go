package chaos_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vmware/govmomi/vim25/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/policy"
	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
)

// The scenarios in this file play an agent that writes the .tf files and
// sets the environment of the CLI it runs, but cannot write root-owned
// files and holds no approver key. Each one is an attack that worked
// before the system policy became authoritative; each must now leave the
// host untouched and show the attempt in the administrator's audit file.
// They install a system policy for the provider process, so they do not
// run in parallel with each other's policy (each has its own workspace
// environment, which is enough: they can run in parallel).

const offVM = `
resource "ceso_vm" "%s" {
  name        = %q
  power_state = "off"
}
`

// Attack 1: the agent writes its own policy, trusts its own key with
// max_mode unrestricted, signs a * grant and points CESO_POLICY_FILE at it.
func TestAccChaos_agentCannotBringItsOwnPolicy(t *testing.T) {
	t.Parallel()
	w := newWorkspace(t)
	h := startHost(t, simhost.Options{})
	auditPath := filepath.Join(t.TempDir(), "audit.jsonl")
	installPolicy(t, w, map[string]any{"audit": map[string]any{"file": auditPath, "required": true}})
	vm := fmt.Sprintf(offVM, "own", "own-1")
	w.mustApply(h.config("", `mode = "standard"`) + vm)

	// The agent's policy: its own key, no ceiling.
	pub, priv, err := policy.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	own := filepath.Join(t.TempDir(), "agent-policy.json")
	body, _ := json.Marshal(map[string]any{"max_mode": "unrestricted",
		"trusted_keys": []map[string]string{{"name": "agent", "public_key": policy.EncodePublicKey(pub)}}})
	if err := os.WriteFile(own, body, 0o600); err != nil {
		t.Fatal(err)
	}
	tok, _, err := policy.IssueGrant(priv, policy.GrantRequest{Mode: policy.Unrestricted, Scope: []string{"*"},
		Reason: "agent", Approver: "agent", TTL: 3600e9, Host: "127.0.0.1"}, timeNow())
	if err != nil {
		t.Fatal(err)
	}
	w.env = append(w.env, policy.EnvPolicyFile+"="+own, "CESO_ELEVATION="+tok)

	h.ResetMethods()
	w.applyFails(h.config("", `mode = "unrestricted"`), "Mode Above Policy Ceiling", "at most standard")
	h.noHostCalls(false)
	h.ResetMethods()
	w.applyFails(h.config("", `mode = "standard"`), "Untrusted Elevation Grant", "not among the trusted keys")
	h.noHostCalls(false)
	h.exactlyOne("own-1")
	expectAudited(t, auditPath, map[string]string{"kind": "event", "reason": "configuration refused"}, "Untrusted Elevation Grant")
}

// Attack 2: the agent moves the audit file (HCL audit_file, which used to
// beat the administrator's CESO_AUDIT_FILE), or leaves it unusable so that
// writes run unaudited.
func TestAccChaos_agentCannotMoveOrSkipTheAudit(t *testing.T) {
	t.Parallel()
	w := newWorkspace(t)
	h := startHost(t, simhost.Options{})
	dir := t.TempDir()
	auditPath, hclPath, envPath := filepath.Join(dir, "admin.jsonl"), filepath.Join(dir, "agent-hcl.jsonl"), filepath.Join(dir, "agent-env.jsonl")
	sp := installPolicy(t, w, map[string]any{"audit": map[string]any{"file": auditPath, "required": true}})
	w.env = append(w.env, "CESO_AUDIT_FILE="+envPath)

	out := w.mustApply(h.config("", `mode = "standard"`, fmt.Sprintf("audit_file = %q", hclPath)) + fmt.Sprintf(offVM, "a", "aud-1"))
	expectOutput(t, out, "Audit File Set By Policy", auditPath)
	expectAudited(t, auditPath, map[string]string{"kind": "intent", "object": "aud-1", "action": "create"})
	for _, p := range []string{hclPath, envPath} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("the agent's audit file %s exists (%v): records went where the agent chose", p, err)
		}
	}

	// A required audit file that cannot be opened stops the provider before
	// it logs in.
	sp.body["audit"] = map[string]any{"file": filepath.Join(dir, "missing", "audit.jsonl"), "required": true}
	sp.write()
	h.ResetMethods()
	w.applyFails(h.config("", `mode = "standard"`)+fmt.Sprintf(offVM, "a", "aud-1")+fmt.Sprintf(offVM, "b", "aud-2"),
		"Unusable Audit File", "missing")
	h.noHostCalls(false)
	if n := h.vms()["aud-2"]; n != 0 {
		t.Errorf("aud-2 was created without its audit record")
	}
}

// Attack 3: a Pushgateway password equal to a VM name, or one letter long,
// steered redaction: the VM's name became [REDACTED] in every record.
func TestAccChaos_redactionCannotBeSteered(t *testing.T) {
	t.Parallel()
	w := newWorkspace(t)
	h := startHost(t, simhost.Options{})
	auditPath := filepath.Join(t.TempDir(), "audit.jsonl")
	w.env = append(w.env, "CESO_AUDIT_FILE="+auditPath)
	for _, pw := range []string{"red-vm-01", "e"} {
		metrics := fmt.Sprintf(`metrics {
    pushgateway_url = "http://ceso:%s@127.0.0.1:1"
  }`, pw)
		w.mustApply(h.config("", metrics) + fmt.Sprintf(offVM, "red", "red-vm-01"))
	}
	expectAudited(t, auditPath, map[string]string{"kind": "intent", "object": "red-vm-01", "resource_type": "ceso_vm", "action": "create"})
	for _, r := range auditRecords(t, auditPath) {
		for _, k := range []string{"run_id", "kind", "resource_type", "object", "action", "mode"} {
			if s, _ := r[k].(string); strings.Contains(s, "[REDACTED]") {
				t.Errorf("identifying field %s was redacted: %v", k, r)
			}
		}
	}
}

// Attack 4: scope checked against the wrong name. The agent imports db-1,
// renames it web-x and forces a power-off under a web-* grant; and it
// edits the state so that a VM named web-1 there carries db-1's UUID.
func TestAccChaos_scopeIsCheckedOnTheObjectOnTheHost(t *testing.T) {
	t.Parallel()
	admin, agent, stale := newWorkspace(t), newWorkspace(t), newWorkspace(t)
	h := startHost(t, simhost.Options{})
	auditPath := filepath.Join(t.TempDir(), "audit.jsonl")
	audit := map[string]any{"audit": map[string]any{"file": auditPath}}
	sp := installPolicy(t, admin, audit)
	agent.env = append(agent.env, systemPolicyEnv+"="+sp.path)
	stale.env = append(stale.env, systemPolicyEnv+"="+sp.path)
	standard := h.config("", `mode = "standard"`)
	admin.mustApply(standard + `
resource "ceso_vm" "db" {
  name        = "db-1"
  power_state = "on"
}
`)
	stale.mustApply(standard + fmt.Sprintf(offVM, "web", "web-1"))
	ctx := context.Background()
	db := h.VM(ctx, "db-1")
	grant := sp.grant(policy.GrantRequest{Mode: policy.Unrestricted, Scope: []string{"web-*"}})

	// Rename plus forced power-off of an imported VM.
	h.ResetMethods()
	agent.applyFails(h.config("", `mode = "standard"`, fmt.Sprintf("elevation = %q", grant))+fmt.Sprintf(`
import {
  to = ceso_vm.x
  id = %q
}
resource "ceso_vm" "x" {
  name            = "web-x"
  power_state     = "off"
  force_power_off = true
}
`, db.Config.InstanceUuid), "Elevation Grant Does Not Apply", `not "db-1"`)
	h.noHostCalls(true)
	if v := h.VM(ctx, "db-1"); v.Runtime.PowerState != types.VirtualMachinePowerStatePoweredOn {
		t.Errorf("db-1 is %s, want on", v.Runtime.PowerState)
	}

	// Delete through a state whose name is not the host's.
	statePath := filepath.Join(stale.dir, "terraform.tfstate")
	b, err := os.ReadFile(statePath)
	if err != nil {
		t.Fatal(err)
	}
	web := h.VM(ctx, "web-1")
	if err := os.WriteFile(statePath, []byte(strings.ReplaceAll(string(b), web.Config.InstanceUuid, db.Config.InstanceUuid)), 0o600); err != nil {
		t.Fatal(err)
	}
	h.ResetMethods()
	stale.write(h.config("", `mode = "standard"`, fmt.Sprintf("elevation = %q", grant)))
	out, err := stale.run("destroy", "-auto-approve", "-input=false", "-no-color", "-refresh=false")
	if err == nil {
		t.Fatalf("the destroy of a VM the state misnames succeeded:\n%s", out)
	}
	expectOutput(t, out, "Object Differs From State", `the state names it "web-1"`, `named "db-1"`)
	h.noHostCalls(true)
	h.exactlyOne("db-1", "web-1")
	expectAudited(t, auditPath, map[string]string{"kind": "outcome", "outcome": "refused", "action": "delete"}, db.Config.InstanceUuid)
}

// Attack 6: destructive effects that passed as harmless actions.
func TestAccChaos_destructiveEffectsNeedAGrant(t *testing.T) {
	t.Parallel()
	w, other := newWorkspace(t), newWorkspace(t)
	h := startHost(t, simhost.Options{})
	auditPath := filepath.Join(t.TempDir(), "audit.jsonl")
	sp := installPolicy(t, w, map[string]any{"audit": map[string]any{"file": auditPath}})
	other.env = append(other.env, systemPolicyEnv+"="+sp.path)
	standard := h.config("", `mode = "standard"`)
	disks := func(n int) string {
		return fmt.Sprintf(`
resource "ceso_vm" "disks" {
  name        = "eff-disks"
  power_state = "off"
%s}
`, numberedDisks(n))
	}
	w.mustApply(standard + disks(2))
	filesBefore, err := h.Files()
	if err != nil {
		t.Fatal(err)
	}

	// Removing a disk block deletes its files: not an update.
	out, planned, err := w.plan(standard + disks(1))
	if err != nil || !planned {
		t.Fatalf("plan: %v\n%s", err, out)
	}
	expectOutput(t, out, "Apply Will Refuse This Change", "disk_delete")
	h.ResetMethods()
	w.applyFails(standard+disks(1), "Elevation Required For Destructive Change", "disk_delete")
	h.noHostCalls(true)
	filesAfter, err := h.Files()
	if err != nil {
		t.Fatal(err)
	}
	if len(filesAfter) != len(filesBefore) {
		t.Errorf("the datastore went from %d to %d files", len(filesBefore), len(filesAfter))
	}

	// A create that would take over another workspace's VM: no grant makes
	// that right, so the plan refuses it and points to import, and the
	// apply (which plans again) never reaches the host.
	h.ResetMethods()
	out, _, err = other.plan(standard + disks(2))
	if err == nil {
		t.Fatalf("a plan that takes over another state's VM succeeded:\n%s", out)
	}
	expectOutput(t, out, "VM Exists And Is Not In This State", "import")
	other.applyFails(standard+disks(2), "VM Exists And Is Not In This State")
	h.noHostCalls(true)
	h.exactlyOne("eff-disks")

	// Retention pruning under create.
	backup := func(run int) string {
		return fmt.Sprintf(`
resource "ceso_backup" "b" {
  vm                = ceso_vm.disks.id
  destination       = "[LocalDS_0] backups"
  keep              = 1
  retain_on_destroy = true
  triggers = {
    run = "%d"
  }
}
`, run)
	}
	w.mustApply(standard + disks(2) + backup(1))
	out, planned, err = w.plan(standard + disks(2) + backup(2))
	if err != nil || !planned {
		t.Fatalf("plan: %v\n%s", err, out)
	}
	expectOutput(t, out, "Apply Will Refuse This Change", "backup_prune")
	h.ResetMethods()
	w.applyFails(standard+disks(2)+backup(2), "Elevation Required For Destructive Change", "backup_prune")
	h.noHostCalls(true)
	expectAudited(t, auditPath, map[string]string{"kind": "outcome", "outcome": "refused", "resource_type": "ceso_backup"}, "backup_prune")
}

// Attack 7: the agent chooses the host (HCL host beat CESO_HOST), and the
// provider logged in there, even over plain http, even in a restricted plan.
func TestAccChaos_hostAllowlist(t *testing.T) {
	t.Parallel()
	w, loose := newWorkspace(t), newWorkspace(t)
	h := startHost(t, simhost.Options{TLS: true})
	rogue := startHost(t, simhost.Options{})
	auditPath := filepath.Join(t.TempDir(), "audit.jsonl")
	sp := installPolicy(t, w, map[string]any{"audit": map[string]any{"file": auditPath},
		"hosts": []map[string]string{{"host": h.URL.Host, "tls_thumbprint": h.Thumbprint()}}})
	restricted := `mode = "restricted"`
	data := `
data "ceso_host" "h" {}
`
	// An unlisted host gets no credentials, not even in a restricted plan.
	rogue.ResetMethods()
	w.write(rogue.config("", restricted) + data)
	out, err := w.run("plan", "-input=false", "-no-color")
	if err == nil {
		t.Fatalf("a plan against an unlisted host succeeded:\n%s", out)
	}
	expectOutput(t, out, "Host Not Allowed", rogue.URL.Host)
	rogue.noHostCalls(false)
	expectAudited(t, auditPath, map[string]string{"kind": "event", "reason": "configuration refused"}, rogue.URL.Host)

	// The listed thumbprint holds even with insecure = true: a wrong one
	// in the policy refuses the real host before Login.
	sp.body["hosts"] = []map[string]string{{"host": h.URL.Host, "tls_thumbprint": strings.Repeat("AB:", 31) + "AB"}}
	sp.write()
	h.ResetMethods()
	w.write(h.config("", restricted) + data)
	out, err = w.run("plan", "-input=false", "-no-color")
	if err == nil {
		t.Fatalf("a plan against a host with the wrong thumbprint succeeded:\n%s", out)
	}
	h.noHostCalls(false)
	// The right thumbprint lets the plan through, insecure or not.
	sp.body["hosts"] = []map[string]string{{"host": h.URL.Host, "tls_thumbprint": h.Thumbprint()}}
	sp.write()
	w.write(h.config("", restricted) + data)
	if out, err := w.run("plan", "-input=false", "-no-color"); err != nil {
		t.Fatalf("a plan against the listed host failed: %v\n%s", err, out)
	}

	// HCL no longer beats the administrator's CESO_HOST, policy or not.
	envw := newWorkspace(t)
	envAudit := filepath.Join(t.TempDir(), "env.jsonl")
	envw.env = append(envw.env, "CESO_HOST="+h.URL.String(), "CESO_AUDIT_FILE="+envAudit)
	rogue.ResetMethods()
	envw.write(rogue.config("", restricted) + data)
	out, err = envw.run("plan", "-input=false", "-no-color")
	if err == nil {
		t.Fatalf("HCL host won over CESO_HOST:\n%s", out)
	}
	expectOutput(t, out, "Host Differs From CESO_HOST", rogue.URL.String())
	rogue.noHostCalls(false)
	expectAudited(t, envAudit, map[string]string{"kind": "event", "reason": "configuration refused"}, "Host Differs From CESO_HOST")

	// Plain http is refused for any host but loopback, with no policy at all.
	looseAudit := filepath.Join(t.TempDir(), "loose.jsonl")
	loose.env = append(loose.env, "CESO_AUDIT_FILE="+looseAudit)
	loose.write(`
provider "ceso" {
  host     = "http://198.51.100.7/sdk"
  username = "root"
  password    = "secret-password"
  api_timeout = "5s"
}
` + data)
	out, err = loose.run("plan", "-input=false", "-no-color")
	if err == nil {
		t.Fatalf("plain http to a remote host was accepted:\n%s", out)
	}
	expectOutput(t, out, "Plain HTTP Refused", "198.51.100.7")
	expectAudited(t, looseAudit, map[string]string{"kind": "event", "reason": "configuration refused"}, "Plain HTTP Refused")
}
