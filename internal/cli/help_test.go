package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Every command answers --help (and -h, and help COMMAND) on standard
// output with exit 0, naming its flags; none of them runs.
func TestHelpEverywhere(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		args []string
		want []string
	}{
		"binary":        {[]string{"--help"}, []string{"review [--json]", "keygen [--out PREFIX]", "grant issue", "grant inspect", "audit verify", "install"}},
		"binary -h":     {[]string{"-h"}, []string{"Approver commands:"}},
		"help":          {[]string{"help"}, []string{"Approver commands:"}},
		"help grant":    {[]string{"help", "grant"}, []string{"-approver", "-policy"}},
		"keygen":        {[]string{"keygen", "--help"}, []string{"Flags of keygen:", "-out", "-name", "mode 0700"}},
		"grant":         {[]string{"grant", "--help"}, []string{"grant issue", "Flags of grant issue:", "-scope", "-ttl", "grant inspect", "Flags of grant inspect:"}},
		"grant issue":   {[]string{"grant", "issue", "-h"}, []string{"Flags of grant issue:", "-approver"}},
		"grant inspect": {[]string{"grant", "inspect", "--help"}, []string{"Flags of grant inspect:", "-policy"}},
		"audit":         {[]string{"audit", "--help"}, []string{"audit verify FILE", "audit verify takes no flags."}},
		"audit verify":  {[]string{"audit", "verify", "--help"}, []string{"audit verify FILE"}},
		"review":        {[]string{"review", "--help"}, []string{"Flags of review:", "-json", "-policy", "terraform show -json"}},
		"install":       {[]string{"install", "--help"}, []string{"Flags of install:", "-dir", "-force"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r := run(t, t0, "", tc.args...)
			if r.code != 0 || r.stderr != "" {
				t.Fatalf("%v: code %d, stderr %q", tc.args, r.code, r.stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(r.stdout, w) {
					t.Errorf("%v: output lacks %q:\n%s", tc.args, w, r.stdout)
				}
			}
		})
	}
	if r := run(t, t0, "", "help", "frobnicate"); r.code != 2 || !strings.Contains(r.stderr, `unknown command "frobnicate"`) {
		t.Errorf("help for an unknown command: %+v", r)
	}
}

// An approver following the guide types keygen --out ~/.ceso/alice before
// ~/.ceso exists: the folders are created, private to the approver.
func TestKeygenCreatesFolder(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	prefix := filepath.Join(dir, "ceso", "team", "alice")
	if r := run(t, t0, "", "keygen", "--out", prefix); r.code != 0 {
		t.Fatalf("keygen: %+v", r)
	}
	for _, d := range []string{filepath.Join(dir, "ceso"), filepath.Join(dir, "ceso", "team")} {
		fi, err := os.Stat(d)
		if err != nil || fi.Mode().Perm() != 0o700 {
			t.Fatalf("%s: %v, mode %v; want a folder with mode 0700", d, err, fi.Mode())
		}
	}
	if _, err := os.Stat(prefix + ".key"); err != nil {
		t.Fatal(err)
	}
}

func TestInstall(t *testing.T) {
	t.Parallel()
	src := filepath.Join(t.TempDir(), "terraform-provider-ceso_v1.2.3")
	if err := os.WriteFile(src, []byte("binary v1"), 0o755); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "bin")
	install := func(args ...string) result {
		var out, errb bytes.Buffer
		code := runner{self: src}.run(append([]string{"install", "--dir", dir}, args...), &out, &errb)
		return result{code: code, stdout: out.String(), stderr: errb.String()}
	}
	r := install()
	dst := filepath.Join(dir, "ceso")
	if r.code != 0 || !strings.Contains(r.stdout, dst) || !strings.Contains(r.stderr, "not on your PATH") {
		t.Fatalf("install: %+v", r)
	}
	fi, err := os.Stat(dst)
	if err != nil || fi.Mode().Perm() != 0o755 {
		t.Fatalf("installed file: %v, mode %v", err, fi.Mode())
	}
	if r := install(); r.code != 0 {
		t.Errorf("installing the same binary again should be a no-op: %+v", r)
	}
	if err := os.WriteFile(src, []byte("binary v2"), 0o755); err != nil {
		t.Fatal(err)
	}
	if r := install(); r.code != 1 || !strings.Contains(r.stderr, "--force") {
		t.Errorf("a different ceso must not be replaced silently: %+v", r)
	}
	if r := install("--force"); r.code != 0 {
		t.Fatalf("install --force: %+v", r)
	}
	if got, _ := os.ReadFile(dst); string(got) != "binary v2" {
		t.Errorf("after --force ceso holds %q", got)
	}
}

func TestApproverInvocation(t *testing.T) {
	t.Parallel()
	cookie := func(string) string { return "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2" }
	none := func(string) string { return "" }
	for _, tc := range []struct {
		argv   []string
		getenv func(string) string
		want   bool
	}{
		{[]string{"/usr/local/bin/ceso"}, cookie, true},
		{[]string{`C:\bin\ceso.exe`, "review", "p.json"}, cookie, true},
		{[]string{"terraform-provider-ceso_v1.0.0", "keygen"}, cookie, true},
		{[]string{"terraform-provider-ceso_v1.0.0", "--help"}, cookie, true},
		{[]string{"terraform-provider-ceso_v1.0.0"}, none, true},            // a person ran it: list the commands
		{[]string{"terraform-provider-ceso_v1.0.0"}, cookie, false},         // Terraform starts the plugin
		{[]string{"terraform-provider-ceso_v1.0.0", "-debug"}, none, false}, // a debugger session
	} {
		if got := IsApproverInvocation(tc.argv, tc.getenv); got != tc.want {
			t.Errorf("IsApproverInvocation(%q) = %v, want %v", tc.argv, got, tc.want)
		}
	}
}

// review recommends the plan-bound grant exactly when grant issue takes
// --plan; whoever adds the flag is told here to flip planBoundGrants.
func TestPlanBoundGrantsFlag(t *testing.T) {
	t.Parallel()
	r := run(t, t0, "", "grant", "issue", "--help")
	if has := strings.Contains(r.stdout, "  -plan "); has != planBoundGrants {
		t.Errorf("grant issue --plan exists: %v, but planBoundGrants = %v; make them agree", has, planBoundGrants)
	}
}
