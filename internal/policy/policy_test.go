package policy

import (
	"errors"
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
		ActionImageDelete: true, ActionFileDelete: true,
	}
	for _, a := range Actions() {
		if got := a.Destructive(); got != destructive[a] {
			t.Errorf("%s.Destructive() = %v, want %v", a, got, destructive[a])
		}
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
		name        string
		explicit    string
		getenv      func(string) string
		defaultPath string
		wantMax     Mode
		wantErr     bool
	}{
		{name: "default missing means no policy", getenv: env(""), defaultPath: missing, wantMax: Unrestricted},
		{name: "default present", getenv: env(""), defaultPath: present, wantMax: Restricted},
		{name: "env present", getenv: env(present), defaultPath: missing, wantMax: Restricted},
		{name: "env missing is an error", getenv: env(missing), defaultPath: present, wantErr: true},
		{name: "explicit missing is an error", explicit: missing, getenv: env(""), defaultPath: present, wantErr: true},
		{name: "explicit wins over env", explicit: present, getenv: env(missing), defaultPath: missing, wantMax: Restricted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := load(tt.explicit, tt.getenv, tt.defaultPath)
			if tt.wantErr {
				if err == nil {
					t.Fatal("want an error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.MaxMode != tt.wantMax {
				t.Errorf("MaxMode = %v, want %v", p.MaxMode, tt.wantMax)
			}
		})
	}
}

func TestResolveMode(t *testing.T) {
	t.Parallel()
	restricted := &Policy{Path: "/etc/ceso/policy.json", MaxMode: Restricted}
	standard := &Policy{Path: "/etc/ceso/policy.json", MaxMode: Standard}
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
			wantErr: "CESO_MODE asks for unrestricted mode, but policy file /etc/ceso/policy.json allows at most standard"},
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
