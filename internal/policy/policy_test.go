package policy

import (
	"errors"
	"time"

	"github.com/google/go-cmp/cmp"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseMode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    Mode
		wantErr string
	}{
		{in: "restricted", want: Restricted},
		{in: " Standard ", want: Standard},
		{in: "UNRESTRICTED", want: Unrestricted},
		{in: "admin", wantErr: "valid modes are restricted, standard, unrestricted"},
		{in: "", wantErr: "invalid mode"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, err := ParseMode(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseMode(%q) error = %v, want %q", tt.in, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseMode(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			}
		})
	}
	if Restricted >= Standard || Standard >= Unrestricted {
		t.Fatal("modes are not ordered")
	}
}

func TestActionDestructive(t *testing.T) {
	t.Parallel()
	destructive := map[Action]bool{
		ActionDelete: true, ActionReplace: true, ActionPowerOffForced: true,
		ActionBackupDelete: true, ActionRestoreOver: true,
		ActionDiskDelete: true, ActionBackupPrune: true, ActionAdoptExisting: true,
		ActionSnapshotRevert: true, ActionSnapshotDelete: true,
		ActionImageDelete: true, ActionFileDelete: true,
	}
	for _, a := range Actions() {
		if got := a.Destructive(); got != destructive[a] {
			t.Errorf("%s.Destructive() = %v, want %v", a, got, destructive[a])
		}
	}
	// A power cycle the configuration allowed is standard: the guest shuts
	// down cleanly and nothing is lost (see ActionPowerCycle).
	// A restore drill deletes only the temporary VM it made (see
	// ActionBackupDrill).
	if ActionBackupDrill.RequiredMode() != Standard || ActionBackupDrill.TerraformAction() != "create" {
		t.Errorf("backup_drill requires %s for a Terraform %s, want standard for a create", ActionBackupDrill.RequiredMode(), ActionBackupDrill.TerraformAction())
	}
	if ActionPowerCycle.RequiredMode() != Standard {
		t.Errorf("power_cycle requires %s, want standard", ActionPowerCycle.RequiredMode())
	}
	if Action("format_disk").RequiredMode() != Unrestricted {
		t.Error("an unknown action must fail closed and require unrestricted")
	}
	if _, err := ParseAction("nuke"); err == nil || !strings.Contains(err.Error(), "power_off_forced") {
		t.Errorf("ParseAction error should list valid actions, got %v", err)
	}
}

func writeFile(t *testing.T, dir, name, body string, perm os.FileMode) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	// Chmod after writing so the umask does not hide the bits under test.
	if err := os.Chmod(p, perm); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadPolicyFile(t *testing.T) {
	t.Parallel()
	pub, _, _ := GenerateKey()
	key := EncodePublicKey(pub)
	good := `{"max_mode": "standard", "trusted_keys": [{"name": "alice", "public_key": "` + key + `"}]}`
	tests := []struct {
		name    string
		body    string
		perm    os.FileMode
		wantErr string
	}{
		{name: "valid", body: good, perm: 0o644},
		{name: "no keys", body: `{"max_mode": "restricted"}`, perm: 0o600},
		{name: "group writable", body: good, perm: 0o664, wantErr: "writable by users other than its owner (mode 0664)"},
		{name: "world writable", body: good, perm: 0o602, wantErr: "writable by users other than its owner"},
		{name: "not json", body: `max_mode = "standard"`, perm: 0o600, wantErr: "malformed JSON"},
		{name: "typo field", body: `{"max_mdoe": "standard"}`, perm: 0o600, wantErr: `unknown field "max_mdoe"`},
		{name: "missing max_mode", body: `{"trusted_keys": []}`, perm: 0o600, wantErr: `"max_mode" is required`},
		{name: "bad mode", body: `{"max_mode": "root"}`, perm: 0o600, wantErr: "valid modes are"},
		{name: "short key", body: `{"max_mode": "standard", "trusted_keys": [{"name": "bob", "public_key": "AAAA"}]}`, perm: 0o600, wantErr: "trusted_keys[0] (bob): public key is 3 bytes"},
		{name: "nameless key", body: `{"max_mode": "standard", "trusted_keys": [{"public_key": "` + key + `"}]}`, perm: 0o600, wantErr: `"name" is required`},
		{name: "trailing data", body: good + `{}`, perm: 0o600, wantErr: "trailing data"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := writeFile(t, t.TempDir(), "policy.json", tt.body, tt.perm)
			p, err := LoadPolicyFile(path)
			if tt.wantErr != "" {
				var pfe *PolicyFileError
				if !errors.As(err, &pfe) || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), path) {
					t.Fatalf("error = %v, want a *PolicyFileError naming %s and containing %q", err, path, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.Path != path {
				t.Errorf("Path = %q", p.Path)
			}
		})
	}
}

func TestLoadPolicyFileForeignOwner(t *testing.T) {
	t.Parallel()
	if os.Getuid() != 0 {
		t.Skip("needs root to give the file to another user")
	}
	path := writeFile(t, t.TempDir(), "policy.json", `{"max_mode": "standard"}`, 0o644)
	if err := os.Chown(path, 54321, 54321); err != nil {
		t.Fatal(err)
	}
	_, err := LoadPolicyFile(path)
	if err == nil || !strings.Contains(err.Error(), "owned by uid 54321") {
		t.Fatalf("error = %v, want refusal of a foreign owner", err)
	}
}

func TestLoad(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	present := writeFile(t, dir, "policy.json", `{"max_mode": "restricted"}`, 0o600)
	agent := writeFile(t, dir, "agent.json", `{"max_mode": "unrestricted"}`, 0o600)
	loose := writeFile(t, dir, "loose.json", `{"max_mode": "unrestricted"}`, 0o666)
	missing := filepath.Join(dir, "absent.json")
	env := func(v string) func(string) string {
		return func(k string) string {
			if k == EnvPolicyFile {
				return v
			}
			return ""
		}
	}
	tests := []struct {
		name       string
		getenv     func(string) string
		systemPath string
		wantMax    Mode
		wantSystem bool
		wantErr    string
	}{
		{name: "no system file and no env means no policy", getenv: env(""), systemPath: missing, wantMax: Unrestricted},
		{name: "system file", getenv: env(""), systemPath: present, wantMax: Restricted, wantSystem: true},
		{name: "env only without a system file", getenv: env(agent), systemPath: missing, wantMax: Unrestricted},
		{name: "env is ignored when a system file exists", getenv: env(agent), systemPath: present, wantMax: Restricted, wantSystem: true},
		{name: "env missing is an error", getenv: env(missing), systemPath: missing, wantErr: "cannot be opened"},
		{name: "group-writable system file refuses to start", getenv: env(agent), systemPath: loose, wantErr: "writable by group or others"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := load(tt.getenv, tt.systemPath, os.Getuid())
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.MaxMode != tt.wantMax || p.System != tt.wantSystem {
				t.Errorf("MaxMode = %v, System = %v; want %v, %v", p.MaxMode, p.System, tt.wantMax, tt.wantSystem)
			}
		})
	}
}

// TestSystemPolicyFolders: a folder above the system policy that others
// can write, or that another user owns, lets them replace the file.
func TestSystemPolicyFolders(t *testing.T) {
	t.Parallel()
	base := t.TempDir()
	open := filepath.Join(base, "open")
	if err := os.Mkdir(open, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(open, 0o777); err != nil {
		t.Fatal(err)
	}
	path := writeFile(t, open, "policy.json", `{"max_mode": "standard"}`, 0o644)
	if _, err := load(nil, path, os.Getuid()); err == nil || !strings.Contains(err.Error(), "its folder "+open+" is writable by group or others") {
		t.Fatalf("error = %v, want a refusal naming the open folder", err)
	}
	sticky := filepath.Join(base, "sticky")
	if err := os.Mkdir(sticky, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(sticky, 0o777|os.ModeSticky); err != nil {
		t.Fatal(err)
	}
	inner := filepath.Join(sticky, "etc")
	if err := os.Mkdir(inner, 0o755); err != nil {
		t.Fatal(err)
	}
	path = writeFile(t, inner, "policy.json", `{"max_mode": "standard"}`, 0o644)
	if p, err := load(nil, path, os.Getuid()); err != nil || !p.System {
		t.Fatalf("a policy below a sticky folder: %v", err)
	}
	if os.Getuid() != 0 {
		return
	}
	// Root only: a system file owned by another user is refused.
	if err := os.Chown(path, 54321, 54321); err != nil {
		t.Fatal(err)
	}
	if _, err := load(nil, path, 0); err == nil || !strings.Contains(err.Error(), "owned by uid 54321, not root") {
		t.Fatalf("error = %v, want a refusal of the foreign owner", err)
	}
}

func TestParsePolicyKeys(t *testing.T) {
	t.Parallel()
	p, err := ParsePolicy([]byte(`{"max_mode": "unrestricted", "default_mode": "restricted",
		"audit": {"file": "/var/log/ceso/audit.jsonl", "required": true, "append_only": true},
		"hosts": [{"host": "esxi01.example.com", "tls_thumbprint": "AB:CD"}], "allow_insecure": false, "max_grant_ttl": "2h"}`))
	if err != nil {
		t.Fatal(err)
	}
	want := &Policy{MaxMode: Unrestricted, DefaultMode: Restricted, MaxGrantTTL: 2 * time.Hour,
		Audit: AuditPolicy{File: "/var/log/ceso/audit.jsonl", Required: true, AppendOnly: true},
		Hosts: []HostEntry{{Host: "esxi01.example.com", TLSThumbprint: "AB:CD"}}}
	if diff := cmp.Diff(want, p); diff != "" {
		t.Errorf("policy (-want +got):\n%s", diff)
	}
	if d := NoPolicy(); d.DefaultMode != Standard || !d.AllowInsecure || d.MaxGrantTTL != 24*time.Hour {
		t.Errorf("defaults: %+v", d)
	}
	for body, wantErr := range map[string]string{
		`{"max_mode": "standard", "default_mode": "unrestricted"}`:   `"default_mode" (unrestricted) is above "max_mode" (standard)`,
		`{"max_mode": "standard", "audit": {"file": "audit.jsonl"}}`: "absolute path",
		`{"max_mode": "standard", "max_grant_ttl": "48h"}`:           "at most 24h",
		`{"max_mode": "standard", "hosts": [{"host": ""}]}`:          `hosts[0]: "host" is required`,
	} {
		if _, err := ParsePolicy([]byte(body)); err == nil || !strings.Contains(err.Error(), wantErr) {
			t.Errorf("ParsePolicy(%s) error = %v, want %q", body, err, wantErr)
		}
	}
}

func TestResolveMode(t *testing.T) {
	t.Parallel()
	restricted := &Policy{Path: "/etc/ceso/policy.json", System: true, MaxMode: Restricted}
	standard := &Policy{Path: "/etc/ceso/policy.json", System: true, MaxMode: Standard}
	tests := []struct {
		name      string
		requested string
		policy    *Policy
		want      Mode
		wantErr   string
	}{
		{name: "default without policy", policy: nil, want: Standard},
		{name: "default lowered to ceiling", policy: restricted, want: Restricted},
		{name: "lower than ceiling", requested: "restricted", policy: standard, want: Restricted},
		{name: "equal to ceiling", requested: "standard", policy: standard, want: Standard},
		{name: "above ceiling", requested: "unrestricted", policy: standard,
			wantErr: "CESO_MODE asks for unrestricted mode, but system policy file /etc/ceso/policy.json allows at most standard"},
		{name: "typo", requested: "unrestrictd", policy: nil, wantErr: "valid modes are"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ResolveMode(tt.requested, "CESO_MODE", tt.policy)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ResolveMode = %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}
