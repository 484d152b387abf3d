package cli

import (
	"bytes"
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

type result struct {
	code           int
	stdout, stderr string
}

func run(t *testing.T, at time.Time, stdin string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	code := runner{now: func() time.Time { return at }, stdin: strings.NewReader(stdin), getenv: func(string) string { return "" }}.run(args, &out, &errb)
	return result{code: code, stdout: out.String(), stderr: errb.String()}
}

// approverSetup runs keygen and writes a policy file trusting the new key.
func approverSetup(t *testing.T) (dir, key, policyPath string) {
	t.Helper()
	dir = t.TempDir()
	prefix := filepath.Join(dir, "alice")
	r := run(t, t0, "", "keygen", "--out", prefix)
	if r.code != 0 {
		t.Fatalf("keygen: %+v", r)
	}
	var entry map[string]string
	if err := json.Unmarshal([]byte(r.stdout), &entry); err != nil || entry["name"] != "alice" {
		t.Fatalf("keygen printed %q: %v", r.stdout, err)
	}
	fi, err := os.Stat(prefix + ".key")
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("private key: %v, mode %v", err, fi.Mode())
	}
	pub, _ := os.ReadFile(prefix + ".pub")
	if strings.TrimSpace(string(pub)) != entry["public_key"] {
		t.Errorf(".pub %q differs from the printed entry %q", pub, entry["public_key"])
	}
	body, _ := json.Marshal(map[string]any{"max_mode": "standard", "trusted_keys": []map[string]string{entry}})
	policyPath = filepath.Join(dir, "policy.json")
	if err := os.WriteFile(policyPath, body, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir, prefix + ".key", policyPath
}

func TestApproverWorkflow(t *testing.T) {
	t.Parallel()
	_, key, pol := approverSetup(t)
	r := run(t, t0, "", "grant", "issue", "--key", key, "--mode", "unrestricted", "--scope", "web-*,db-1",
		"--reason", "CHG-42 replace web tier", "--approver", "alice@example.com", "--ttl", "30m", "--host", "esxi01.example.com", "--once")
	if r.code != 0 {
		t.Fatalf("grant issue: %+v", r)
	}
	token := strings.TrimSpace(r.stdout)
	if strings.Count(r.stdout, "\n") != 1 || !strings.HasPrefix(token, "ceso-grant.v1.") {
		t.Fatalf("stdout should hold the token alone, got %q", r.stdout)
	}
	p, err := policy.LoadPolicyFile(pol)
	if err != nil {
		t.Fatal(err)
	}
	g, err := policy.ParseGrant(token, p.TrustedKeys, t0.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if g.Mode != policy.Unrestricted || strings.Join(g.Scope, " ") != "web-* db-1" || g.ExpiresAt.Sub(g.IssuedAt) != 30*time.Minute {
		t.Errorf("grant = %+v", g)
	}

	tests := []struct {
		name     string
		at       time.Time
		stdin    string
		args     []string
		wantCode int
		want     []string
	}{
		{name: "inspect without a system policy", at: t0.Add(10 * time.Minute), args: []string{"grant", "inspect", token}, wantCode: 1,
			want: []string{"mode:       unrestricted", "scope:      web-*, db-1", "host:       esxi01.example.com", "uses:       one apply",
				"valid for 20m0s more", "not verified: no policy file trusts no approver key"}},
		{name: "inspect from stdin, verified against another file", at: t0, stdin: token + "\n", args: []string{"grant", "inspect", "-", "--policy", pol},
			want: []string{`signature:  valid, signed by trusted key "alice" of policy file`, "(not the system policy /etc/ceso/policy.json"}},
		{name: "inspect expired", at: t0.Add(time.Hour), args: []string{"grant", "inspect", "--policy", pol, token}, wantCode: 1,
			want: []string{"validity:   elevation grant expired", "REFUSED"}},
		{name: "inspect garbage", at: t0, args: []string{"grant", "inspect", "nope"}, wantCode: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := run(t, tt.at, tt.stdin, tt.args...)
			if r.code != tt.wantCode {
				t.Fatalf("exit %d, want %d: %+v", r.code, tt.wantCode, r)
			}
			for _, w := range tt.want {
				if !strings.Contains(r.stdout, w) {
					t.Errorf("stdout lacks %q:\n%s", w, r.stdout)
				}
			}
		})
	}
}

func TestGrantIssueRefusals(t *testing.T) {
	t.Parallel()
	dir, key, _ := approverSetup(t)
	loose := filepath.Join(dir, "loose.key")
	data, err := os.ReadFile(key)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(loose, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(loose, 0o644); err != nil { // whatever the umask
		t.Fatal(err)
	}
	base := []string{"grant", "issue", "--key", key, "--mode", "standard", "--scope", "*", "--reason", "r", "--approver", "a", "--host", "esxi01"}
	with := func(flag, v string) []string {
		out := append([]string(nil), base...)
		for i := range out {
			if out[i] == flag {
				out[i+1] = v
			}
		}
		return out
	}
	tests := []struct {
		name     string
		args     []string
		wantCode int
		want     string
	}{
		{name: "missing flags", args: []string{"grant", "issue", "--mode", "standard"}, wantCode: 2, want: "missing --approver, --host, --key, --reason, --scope"},
		{name: "bad mode", args: with("--mode", "god"), wantCode: 2, want: "valid modes are"},
		{name: "ttl too long", args: append(base, "--ttl", "48h"), wantCode: 1, want: "longer than the 24h0m0s maximum"},
		{name: "readable key", args: with("--key", loose), wantCode: 1, want: "accessible by others (mode 0644)"},
		{name: "bad scope", args: with("--scope", "web-["), wantCode: 1, want: "invalid"},
		{name: "no subcommand", args: []string{"grant"}, wantCode: 2, want: "issue or inspect"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := run(t, t0, "", tt.args...)
			if r.code != tt.wantCode || !strings.Contains(r.stderr, tt.want) {
				t.Errorf("exit %d stderr %q; want %d and %q", r.code, r.stderr, tt.wantCode, tt.want)
			}
		})
	}
}

func TestKeygenRefusesToOverwrite(t *testing.T) {
	t.Parallel()
	dir, key, _ := approverSetup(t)
	before, _ := os.ReadFile(key)
	r := run(t, t0, "", "keygen", "--out", filepath.Join(dir, "alice"))
	after, _ := os.ReadFile(key)
	if r.code == 0 || !bytes.Equal(before, after) {
		t.Errorf("keygen over an existing key: %+v", r)
	}
}

func TestAuditVerify(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	w, err := audit.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range []string{"a", "b", "c"} {
		if err := w.Write(audit.Record{Time: t0, RunID: "r", Kind: audit.KindEvent, Object: o}); err != nil {
			t.Fatal(err)
		}
	}
	w.Close()
	r := run(t, t0, "", "audit", "verify", path)
	if r.code != 0 || !strings.Contains(r.stdout, "3 records, chain intact, head sha256 ") {
		t.Fatalf("verify intact: %+v", r)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, bytes.Replace(data, []byte(`"object":"b"`), []byte(`"object":"x"`), 1), 0o600); err != nil {
		t.Fatal(err)
	}
	r = run(t, t0, "", "audit", "verify", path)
	if r.code != 1 || !strings.Contains(r.stdout, "BROKEN: "+path+": line 3: ") || !strings.Contains(r.stdout, "2 records before it verify") {
		t.Fatalf("verify tampered: %+v", r)
	}
	if r := run(t, t0, "", "audit", "verify", path+".missing"); r.code != 1 {
		t.Errorf("verify of a missing file: %+v", r)
	}
}

func TestDispatch(t *testing.T) {
	t.Parallel()
	for arg, want := range map[string]bool{"keygen": true, "grant": true, "audit": true, "-debug": false, "": false, "help": true, "review": true, "install": true} {
		if IsCommand(arg) != want {
			t.Errorf("IsCommand(%q) = %v", arg, !want)
		}
	}
	if r := run(t, t0, "", "frobnicate"); r.code != 2 || !strings.Contains(r.stderr, "Usage:") {
		t.Errorf("unknown command: %+v", r)
	}
	if r := run(t, t0, "", "help"); r.code != 0 || !strings.Contains(r.stdout, "grant issue") {
		t.Errorf("help: %+v", r)
	}
}
