package guard

import (
	"crypto/ed25519"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/esxi-commander/terraform-provider-ceso/internal/audit"
	"github.com/esxi-commander/terraform-provider-ceso/internal/policy"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// world is one test's filesystem and environment: a policy file trusting
// "alice", an audit path, and an environment map.
type world struct {
	dir       string
	policy    string
	auditPath string
	env       map[string]string
	alice     ed25519.PrivateKey
}

func newWorld(t testing.TB, maxMode string) *world {
	t.Helper()
	dir := t.TempDir()
	pub, priv, err := policy.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(map[string]any{
		"max_mode":     maxMode,
		"trusted_keys": []map[string]string{{"name": "alice", "public_key": policy.EncodePublicKey(pub)}},
	})
	w := &world{dir: dir, policy: filepath.Join(dir, "policy.json"), auditPath: filepath.Join(dir, "audit.jsonl"), alice: priv}
	if err := os.WriteFile(w.policy, body, 0o644); err != nil {
		t.Fatal(err)
	}
	w.env = map[string]string{policy.EnvPolicyFile: w.policy}
	return w
}

func (w *world) getenv(k string) string { return w.env[k] }

func (w *world) config(mode string) Config {
	return Config{Mode: mode, AuditFile: w.auditPath, Getenv: w.getenv, Now: func() time.Time { return t0 }}
}

func (w *world) grant(t testing.TB, mode policy.Mode, scope ...string) string {
	t.Helper()
	tok, _, err := policy.IssueGrant(w.alice, policy.GrantRequest{Host: "esxi01", Mode: mode, Scope: scope, Reason: "CHG-7 rebuild",
		Approver: "alice@example.com", TTL: time.Hour}, t0)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func mustNew(t testing.TB, cfg Config) *Guard {
	t.Helper()
	g, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Close(t.Context()) })
	return g
}

// records reads the audit file back.
func records(t testing.TB, path string) []audit.Record {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []audit.Record
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var r audit.Record
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("audit line %q: %v", line, err)
		}
		out = append(out, r)
	}
	return out
}
