package chaos_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"syscall"
	"testing"

	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
)

// guideBlock is one fenced code block of a markdown page.
type guideBlock struct {
	lang, body, section string
}

var fence = regexp.MustCompile("^(\\s*)```(\\w*)\\s*$")

// guideBlocks returns the fenced blocks of a markdown page in order, with
// the heading they are under; an indented block (inside a list) loses the
// fence's indentation.
func guideBlocks(md string) []guideBlock {
	var out []guideBlock
	var cur *guideBlock
	indent, section := "", ""
	sc := bufio.NewScanner(strings.NewReader(md))
	for sc.Scan() {
		line := sc.Text()
		m := fence.FindStringSubmatch(line)
		switch {
		case cur == nil && m != nil:
			cur, indent = &guideBlock{lang: m[2], section: section}, m[1]
		case cur != nil && m != nil:
			out = append(out, *cur)
			cur = nil
		case cur != nil:
			cur.body += strings.TrimPrefix(line, indent) + "\n"
		case strings.HasPrefix(line, "#"):
			section = strings.TrimLeft(line, "# ")
		}
	}
	return out
}

// substitution turns the guide's example environment into the test's. Each
// must match the guide: one that no longer does means the guide changed,
// and this test must follow it.
type substitution struct{ old, new string }

// The agent-workflow guide's commands, as written, run in order against a
// simulated host with OpenTofu: the approver installs the ceso command and
// makes a key; the administrator installs the guide's policy (with that
// key) and the append-only audit file; the agent plans in restricted mode
// with every variable passed (input is disabled, so a missing one fails
// instead of prompting); the approver reviews and binds a one-time grant
// to the plan; the runner checks it and applies exactly that plan; the
// audit verifies. Only the example environment is replaced (host, users,
// folders, template); "terraform" is a shim that runs OpenTofu with a
// filesystem mirror holding this test binary as the provider, so `init`
// installs it where the guide looks for it.
func TestAccChaos_agentWorkflowGuide(t *testing.T) {
	t.Parallel()
	w := newWorkspace(t)
	h := startHost(t, simhost.Options{TLS: true})
	_, self, _, _ := runtime.Caller(0)
	repo := filepath.Join(filepath.Dir(self), "..", "..")
	md, err := os.ReadFile(filepath.Join(repo, "templates", "guides", "agent-workflow.md"))
	if err != nil {
		t.Fatal(err)
	}
	example, err := os.ReadFile(filepath.Join(repo, "examples", "scenarios", "agent-workflow", "main.tf"))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(w.dir, "main.tf"), string(example), 0o600)

	root, home, bin := t.TempDir(), t.TempDir(), t.TempDir()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	// The provider, in a filesystem mirror for init to install from.
	mirror := filepath.Join(t.TempDir(), "mirror")
	pkg := filepath.Join(mirror, "registry.opentofu.org", "esxi-commander", "ceso", "0.0.1", runtime.GOOS+"_"+runtime.GOARCH)
	if err := os.MkdirAll(pkg, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(exe, filepath.Join(pkg, "terraform-provider-ceso_v0.0.1")); err != nil {
		t.Fatal(err)
	}
	tfrc := filepath.Join(bin, "guide.tfrc")
	writeFile(t, tfrc, fmt.Sprintf("provider_installation {\n  filesystem_mirror {\n    path    = %q\n    include = [\"registry.opentofu.org/esxi-commander/ceso\"]\n  }\n}\n", mirror), 0o600)
	writeFile(t, filepath.Join(bin, "terraform"), fmt.Sprintf("#!/bin/sh\nexec env %s=1 TF_CLI_CONFIG_FILE=%q %q \"$@\"\n", serveEnv, tfrc, os.Getenv("TF_ACC_TERRAFORM_PATH")), 0o755)
	writeFile(t, filepath.Join(bin, "terraform-provider-ceso"), fmt.Sprintf("#!/bin/sh\nexec %q \"$@\"\n", exe), 0o755)
	sshKey := "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMDSx01hAA179OhFWdxFqQohIxFQmONyYwsdpIyPfgVr alice@ceso.invalid"
	writeFile(t, filepath.Join(home, ".ssh", "id_ed25519.pub"), sshKey+"\n", 0o644)
	auditPath := filepath.Join(root, "var", "log", "ceso", "audit.jsonl")
	t.Cleanup(func() { _ = exec.CommandContext(context.Background(), "chattr", "-a", auditPath).Run() }) // before TempDir's removal

	sh := &guideShell{t: w.t, dir: w.dir, envFile: filepath.Join(t.TempDir(), "env.sh"), env: []string{
		"HOME=" + home, "PATH=" + bin + ":" + filepath.Join(home, ".local", "bin") + ":/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin",
		cliEnv + "=1", systemPolicyEnv + "=" + filepath.Join(root, "etc", "ceso", "policy.json"),
		"RUNNER_SECRET=" + h.Password, "TF_INPUT=0", "TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1",
	}}
	subs := []substitution{
		{"esxi01.example.com", h.URL.Host},
		{"CESO_USERNAME=agent-ro", "CESO_USERNAME=" + h.Username},
		{"CESO_USERNAME=ci-apply", "CESO_USERNAME=" + h.Username},
		{"CESO_PASSWORD=...", "CESO_PASSWORD='" + h.Password + "'"},
		{"template=ubuntu-24.04-template", "template=" + simhost.TemplateName},
		{"/etc/ceso", filepath.Join(root, "etc", "ceso")},
		{"/var/log/ceso", filepath.Join(root, "var", "log", "ceso")},
		{"-g ceso", "-g root"},
		{"<SHA-256 fingerprint of esxi01's certificate>", h.Thumbprint()},
	}
	const keyPlaceholder = "<alice's public key, from keygen>"

	// What an earlier, approved run left, before the guide starts (no
	// policy is installed yet): web-03 and web-04.
	sh.run("set-up", fmt.Sprintf(`export CESO_HOST=%s CESO_USERNAME=%s CESO_PASSWORD='%s' CESO_TLS_THUMBPRINT='%s'
terraform init -no-color
terraform apply -auto-approve -no-color -var template=%s -var "ssh_public_key=%s" -var 'web={"web-03"="192.0.2.12/24","web-04"="192.0.2.13/24"}'
unset CESO_HOST CESO_USERNAME CESO_PASSWORD CESO_TLS_THUMBPRINT`, h.URL.Host, h.Username, h.Password, h.Thumbprint(), simhost.TemplateName, sshKey))
	h.exactlyOne("web-03", "web-04")

	used := make([]bool, len(subs))
	substitute := func(s string) string {
		for i, sub := range subs {
			if strings.Contains(s, sub.old) {
				used[i] = true
				s = strings.ReplaceAll(s, sub.old, sub.new)
			}
		}
		return s
	}
	var outputs strings.Builder
	ran := 0
	for _, b := range guideBlocks(string(md)) {
		switch {
		case b.lang == "json" && strings.Contains(b.body, `"max_mode"`):
			// "Save this as policy.json", with the key keygen wrote.
			pub, err := os.ReadFile(filepath.Join(home, ".ceso", "alice.pub"))
			if err != nil {
				t.Fatalf("the policy comes after keygen, which wrote no public key: %v", err)
			}
			if !strings.Contains(b.body, keyPlaceholder) {
				t.Fatalf("the guide's policy has no key placeholder %q:\n%s", keyPlaceholder, b.body)
			}
			body := strings.ReplaceAll(substitute(b.body), keyPlaceholder, strings.TrimSpace(string(pub)))
			writeFile(t, filepath.Join(w.dir, "policy.json"), body, 0o644)
		case b.lang == "shell":
			out := sh.run(b.section, substitute(b.body))
			outputs.WriteString(out)
			ran++
			switch {
			case strings.Contains(b.body, "plan -var"):
				expectOutput(t, out, "Warning: Apply Will Refuse This Change", "Change Refused In Restricted Mode", "terraform-provider-ceso review plan.json")
			case strings.Contains(b.body, "review plan.json"):
				expectOutput(t, out, `ceso_vm.web["web-03"]`, "needs unrestricted (delete)", "Highest mode needed: unrestricted", "grant issue")
			case strings.Contains(b.body, "apply tfplan"):
				expectOutput(t, out, "Apply complete! Resources: 2 added, 0 changed, 2 destroyed")
			}
		}
	}
	for i, sub := range subs {
		if !used[i] {
			t.Errorf("the guide no longer contains %q: update this test's substitutions", sub.old)
		}
	}
	if ran < 7 {
		t.Errorf("ran %d shell blocks of the guide, want its 7", ran)
	}
	h.exactlyOne("web-04", "web-05")
	if n := h.vms()["web-03"]; n != 0 {
		t.Errorf("web-03 still exists")
	}
	expectAudited(t, auditPath, map[string]string{"kind": "intent", "action": "delete", "object": "web-03"}, `"grant_id"`)
	// The titles the guide quotes are the ones the CLI printed.
	for _, title := range []string{"Apply Will Refuse This Change", "Change Refused In Restricted Mode"} {
		if !strings.Contains(string(md), "`Warning: "+title+"`") && !strings.Contains(string(md), "`"+title+"`") {
			t.Errorf("the guide does not quote %q", title)
		}
		if !strings.Contains(outputs.String(), title) {
			t.Errorf("the CLI never printed %q, which the guide quotes", title)
		}
	}
}

// guideShell runs a guide's shell blocks one after the other in bash, with
// what one block exports (CESO_HOST, ...) seen by the next, as in one
// terminal session.
type guideShell struct {
	t       *testing.T
	dir     string
	envFile string
	env     []string
}

func (s *guideShell) run(section, block string) string {
	s.t.Helper()
	script := "set -euo pipefail\n[ -f " + shellQuoted(s.envFile) + " ] && . " + shellQuoted(s.envFile) + "\nset -x\n" +
		block + "\nset +x\nexport -p > " + shellQuoted(s.envFile) + "\n"
	ctx, cancel := context.WithTimeout(context.Background(), cliTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-c", script)
	cmd.Dir, cmd.Env = s.dir, s.env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	s.t.Logf("guide block under %q: %v", section, err)
	if err != nil {
		s.t.Fatalf("the guide's block under %q failed: %v\n--- block\n%s--- output\n%s", section, err, block, ansi.ReplaceAllString(out.String(), ""))
	}
	return ansi.ReplaceAllString(plain(out.String()), "")
}

// ansi matches the colour codes the CLI prints (the guide's commands do not
// pass -no-color).
var ansi = regexp.MustCompile("\x1b\\[[0-9;]*m")

func shellQuoted(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

func writeFile(t *testing.T, path, body string, mode os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(body), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
}
