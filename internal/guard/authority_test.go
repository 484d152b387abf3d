package guard

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/esxi-commander/terraform-provider-ceso/internal/audit"
	"github.com/esxi-commander/terraform-provider-ceso/internal/policy"
)

// systemWorld installs w's policy, with extra keys, as the system policy
// for one test. Tests that call it are not parallel: the system path is
// process-wide.
func systemWorld(t *testing.T, w *world, extra map[string]any) {
	t.Helper()
	var body map[string]any
	data, err := os.ReadFile(w.policy)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &body); err != nil {
		t.Fatal(err)
	}
	for k, v := range extra {
		body[k] = v
	}
	data, _ = json.Marshal(body)
	if err := os.WriteFile(w.policy, data, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(policy.SetSystemPathForTest(w.policy))
}

// The system policy outranks CESO_POLICY_FILE and fixes the audit file;
// the environment and HCL get a warning when they name another.
func TestSystemPolicyIsTheOnlyPolicy(t *testing.T) {
	w := newWorld(t, "standard")
	agentPolicy := filepath.Join(w.dir, "agent.json")
	if err := os.WriteFile(agentPolicy, []byte(`{"max_mode": "unrestricted"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	systemWorld(t, w, map[string]any{"audit": map[string]any{"file": w.auditPath, "required": true}})
	w.env[policy.EnvPolicyFile] = agentPolicy
	w.env[EnvAuditFile] = filepath.Join(w.dir, "env.jsonl")
	cfg := w.config("")
	cfg.AuditFile = filepath.Join(w.dir, "hcl.jsonl")
	g := mustNew(t, cfg)
	if !g.Policy().System || g.Policy().MaxMode != policy.Standard {
		t.Errorf("policy = %s, max %s; want the system policy", g.Policy().Source(), g.Policy().MaxMode)
	}
	var got []string
	for _, wn := range g.Warnings() {
		got = append(got, wn.Attribute+": "+wn.Summary)
	}
	if strings.Join(got, "; ") != ": Audit File Set By Policy; audit_file: Audit File Set By Policy" {
		t.Errorf("warnings = %q", got)
	}
	for _, p := range []string{w.env[EnvAuditFile], cfg.AuditFile} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("%s was created", p)
		}
	}
	if recs := records(t, w.auditPath); len(recs) != 1 || recs[0].Reason != "provider configured" {
		t.Errorf("policy audit file = %+v", recs)
	}
	cfg.Mode = "unrestricted"
	if _, err := New(cfg); err == nil || !strings.Contains(err.Error(), "at most standard") {
		t.Fatalf("New(unrestricted) = %v, want the ceiling", err)
	}
	last := records(t, w.auditPath)
	if r := last[len(last)-1]; r.Reason != "configuration refused" || r.Details["summary"] != "Mode Above Policy Ceiling" {
		t.Errorf("the refused configuration is not audited: %+v", r)
	}
}

// Without approvers, the refusal names the ways on that exist.
func TestRefusalWithoutApprovers(t *testing.T) {
	t.Parallel()
	w := newWorld(t, "standard")
	delete(w.env, policy.EnvPolicyFile)
	g := mustNew(t, w.config(""))
	err := g.Do(t.Context(), Op{ResourceType: "ceso_vm", Object: "web-1", Action: policy.ActionDelete}, func(context.Context) error { return nil })
	for _, want := range []string{"no system policy with approvers is installed", `set mode = "unrestricted"`, "CESO_MODE=unrestricted", "trusted_keys"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("refusal %v does not say %q", err, want)
		}
	}
}

// The guard decides on the VM as the host names it: a rename needs both
// names in scope, a state that misnames the VM is refused, and an effect
// is decided like the action.
func TestDecisionOnTheObjectOnTheHost(t *testing.T) {
	t.Parallel()
	w := newWorld(t, "unrestricted")
	host := func(name string) func(context.Context) (string, error) {
		return func(context.Context) (string, error) { return name, nil }
	}
	tests := []struct {
		name    string
		op      Op
		wantRun bool
		want    string
	}{
		{name: "rename out of scope", op: Op{Object: "web-x", ID: "u-1", StateName: "db-1", Current: host("db-1"), Action: policy.ActionUpdate,
			Effects: []policy.Action{policy.ActionPowerOffForced}}, want: `covers VMs matching web-*, not "db-1"`},
		{name: "state misnames the VM", op: Op{Object: "web-1", ID: "u-1", StateName: "web-1", Current: host("db-1"), Action: policy.ActionDelete},
			want: `the state names it "web-1", but the VM with UUID u-1 on the host is named "db-1"`},
		{name: "effect needs the grant", op: Op{Object: "web-1", ID: "u-1", StateName: "web-1", Current: host("web-1"), Action: policy.ActionUpdate,
			Effects: []policy.Action{policy.ActionDiskDelete}}, wantRun: true},
		{name: "gone VM is decided on its configured name", op: Op{Object: "web-1", ID: "u-1", StateName: "web-1", Current: host(""), Action: policy.ActionDelete}, wantRun: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := w.config("standard")
			cfg.Elevation = w.grant(t, policy.Unrestricted, "web-*")
			g := mustNew(t, cfg)
			tt.op.ResourceType = "ceso_vm"
			ran := false
			err := g.Do(t.Context(), tt.op, func(context.Context) error { ran = true; return nil })
			if ran != tt.wantRun {
				t.Fatalf("ran = %v, err = %v", ran, err)
			}
			if !tt.wantRun && (err == nil || !strings.Contains(err.Error(), tt.want)) {
				t.Errorf("error = %v, want %q", err, tt.want)
			}
		})
	}
	g := mustNew(t, w.config("standard"))
	err := g.Do(t.Context(), Op{ResourceType: "ceso_vm", Object: "web-1", Action: policy.ActionUpdate, Effects: []policy.Action{policy.ActionDiskDelete}},
		func(context.Context) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "disk_delete is destructive") {
		t.Errorf("an update that deletes disk files = %v, want a refusal naming disk_delete", err)
	}
	recs := records(t, w.auditPath)
	if r := recs[len(recs)-1]; r.Outcome != audit.OutcomeRefused || !strings.Contains(strings.Join(toStrings(r.Details["effects"]), ","), "disk_delete") {
		t.Errorf("refusal record = %+v", r)
	}
}

func toStrings(v any) []string {
	var out []string
	list, _ := v.([]any)
	for _, x := range list {
		s, _ := x.(string)
		out = append(out, s)
	}
	return out
}

// A grant names its host; a one-time grant serves one process, with the
// audit file as the ledger.
func TestGrantHostAndOnce(t *testing.T) {
	t.Parallel()
	w := newWorld(t, "unrestricted")
	cfg := w.config("standard")
	cfg.Elevation = w.grant(t, policy.Unrestricted, "*")
	g := mustNew(t, cfg)
	if err := g.SetHost("", "esxi02.example.com", "esxi02.example.com:443"); err == nil || !strings.Contains(err.Error(), "Elevation Grant For Another Host") {
		t.Errorf("SetHost on another host = %v", err)
	}
	if err := g.SetHost("", "esxi01", "esxi01:443"); err != nil {
		t.Errorf("SetHost on the grant's host: %v", err)
	}

	tok, _, err := policy.IssueGrant(w.alice, policy.GrantRequest{Host: "esxi01", Mode: policy.Unrestricted, Scope: []string{"*"}, Reason: "r",
		Approver: "alice", TTL: time.Hour, Once: true}, t0)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Elevation = tok
	g = mustNew(t, cfg)
	if err := g.Do(t.Context(), Op{ResourceType: "ceso_vm", Object: "a", Action: policy.ActionDelete}, func(context.Context) error { return nil }); err != nil {
		t.Fatal(err)
	}
	// Another process's record of a use: rewrite this one's pid.
	data, _ := os.ReadFile(w.auditPath)
	other := strings.ReplaceAll(string(data), `"pid":`+itoa(os.Getpid()), `"pid":1`)
	if err := os.WriteFile(w.auditPath, []byte(other), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = New(cfg)
	var ce *ConfigError
	if !errors.As(err, &ce) || ce.Summary != "Elevation Grant Already Used" {
		t.Errorf("second use of a one-time grant = %v", err)
	}
	cfg.AuditFile = ""
	if _, err := New(cfg); !errors.As(err, &ce) || ce.Summary != "One-Time Grant Needs An Audit File" {
		t.Errorf("one-time grant without audit file = %v", err)
	}
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}
