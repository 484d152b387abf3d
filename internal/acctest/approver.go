package acctest

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/esxi-commander/terraform-provider-ceso/internal/policy"
)

// Approver is a test approver: a key pair trusted by a system policy file
// that the test installs through CESO_POLICY_FILE. Tests that use it cannot
// run in parallel (they set an environment variable of the test process,
// where the in-process provider reads it).
type Approver struct {
	t    testing.TB
	priv ed25519.PrivateKey
	// PolicyFile is the path of the installed policy file.
	PolicyFile string
}

// NewApprover writes a policy file with the given ceiling trusting a fresh key.
func NewApprover(t *testing.T, maxMode string) *Approver {
	t.Helper()
	pub, priv, err := policy.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "policy.json")
	body, _ := json.Marshal(map[string]any{
		"max_mode":     maxMode,
		"trusted_keys": []map[string]string{{"name": "test-approver", "public_key": base64.StdEncoding.EncodeToString(pub)}},
	})
	if err := os.WriteFile(path, body, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv(policy.EnvPolicyFile, path)
	return &Approver{t: t, priv: priv, PolicyFile: path}
}

// Grant issues a grant signed by the trusted key.
func (a *Approver) Grant(mode string, scope []string, issued time.Time, ttl time.Duration) string {
	return issue(a.t, a.priv, mode, scope, issued, ttl)
}

// ForgedGrant issues a well-formed grant signed by a key nobody trusts.
func (a *Approver) ForgedGrant(mode string, scope []string) string {
	_, other, err := policy.GenerateKey()
	if err != nil {
		a.t.Fatal(err)
	}
	return issue(a.t, other, mode, scope, time.Now(), time.Hour)
}

func issue(t testing.TB, priv ed25519.PrivateKey, mode string, scope []string, issued time.Time, ttl time.Duration) string {
	t.Helper()
	m, err := policy.ParseMode(mode)
	if err != nil {
		t.Fatal(err)
	}
	tok, _, err := policy.IssueGrant(priv, policy.GrantRequest{Host: "127.0.0.1", Mode: m, Scope: scope, Reason: "acceptance test", Approver: "tester", TTL: ttl}, issued)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}
