package chaos_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/vmware/govmomi/property"
	"github.com/vmware/govmomi/session"
	"github.com/vmware/govmomi/vim25/mo"

	"github.com/esxi-commander/terraform-provider-ceso/internal/acctest"
	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
)

// cliTimeout bounds one CLI run. A run that takes longer is reported as a
// hang: no scenario here needs more than a fraction of it.
const cliTimeout = 3 * time.Minute

// cliConfig writes, once per test binary, a CLI configuration whose
// dev_overrides point the ceso provider at this test binary (see serve).
var cliConfig = sync.OnceValues(func() (string, error) {
	// acctest.Main's folder: it is removed when the tests end.
	dir := filepath.Dir(os.Getenv("TF_CLI_CONFIG_FILE"))
	if dir == "." || dir == "" {
		var err error
		if dir, err = os.MkdirTemp("", "ceso-chaos-"); err != nil {
			return "", err
		}
	}
	exe, err := os.Executable()
	if err != nil {
		return "", err
	}
	plugins := filepath.Join(dir, "chaos-plugins")
	if err := os.MkdirAll(plugins, 0o755); err != nil {
		return "", err
	}
	link := filepath.Join(plugins, "terraform-provider-ceso")
	_ = os.Remove(link)
	if err := os.Symlink(exe, link); err != nil {
		return "", err
	}
	cfg := filepath.Join(dir, "chaos.tfrc")
	body := fmt.Sprintf(`provider_installation {
  dev_overrides {
    "registry.opentofu.org/esxi-commander/ceso"  = %[1]q
    "registry.terraform.io/esxi-commander/ceso"  = %[1]q
  }
  direct {}
}
`, plugins)
	return cfg, os.WriteFile(cfg, []byte(body), 0o600)
})

// workspace is one working directory (one state file) driven by the real CLI.
type workspace struct {
	t   *testing.T
	dir string
	env []string // added to the CLI's environment
}

// newWorkspace skips the test unless TF_ACC is set, like resource.Test.
func newWorkspace(t *testing.T) *workspace {
	t.Helper()
	if os.Getenv("TF_ACC") == "" {
		t.Skip("chaos scenarios run the real CLI: set TF_ACC=1")
	}
	acctest.PreCheck(t)
	dir := t.TempDir()
	return &workspace{t: t, dir: dir, env: []string{pidFileEnv + "=" + filepath.Join(dir, "provider.pid")}}
}

// killProvider kills the provider process the CLI started last, as a
// crash, an OOM kill or a lost CI runner would: no cleanup runs, no session
// is logged out, nothing more reaches the CLI.
func (w *workspace) killProvider() error {
	b, err := os.ReadFile(filepath.Join(w.dir, "provider.pid"))
	if err != nil {
		return err
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return err
	}
	return syscall.Kill(pid, syscall.SIGKILL)
}

const terraformBlock = `terraform {
  required_providers {
    ceso = {
      source = "esxi-commander/ceso"
    }
  }
}
`

// write replaces the workspace's configuration.
func (w *workspace) write(cfg string) {
	w.t.Helper()
	if err := os.WriteFile(filepath.Join(w.dir, "main.tf"), []byte(terraformBlock+cfg), 0o600); err != nil {
		w.t.Fatal(err)
	}
}

// run runs the CLI with args and returns its combined output. A run that
// outlasts cliTimeout fails the test as a hang (its process group is
// killed). It is safe to call from several goroutines.
func (w *workspace) run(args ...string) (string, error) {
	w.t.Helper()
	cfg, err := cliConfig()
	if err != nil {
		w.t.Errorf("CLI configuration: %v", err)
		return "", err
	}
	ctx, cancel := context.WithTimeout(context.Background(), cliTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Getenv("TF_ACC_TERRAFORM_PATH"), args...)
	cmd.Dir = w.dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.Env = append(os.Environ(), "TF_CLI_CONFIG_FILE="+cfg, serveEnv+"=1", "TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1")
	cmd.Env = append(cmd.Env, w.env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err = cmd.Run()
	if ctx.Err() != nil {
		// Errorf, not Fatalf: run may be called from other goroutines.
		w.t.Errorf("%s %s hung: no result after %s\n%s", filepath.Base(cmd.Path), strings.Join(args, " "), cliTimeout, out.String())
		return out.String(), fmt.Errorf("hung after %s", cliTimeout)
	}
	w.t.Logf("%s %s: %v in %s", filepath.Base(cmd.Path), strings.Join(args, " "), err, time.Since(start).Round(time.Millisecond))
	if os.Getenv("CESO_CHAOS_VERBOSE") != "" {
		w.t.Log(diagnostics(out.String()))
	}
	return plain(out.String()), err
}

// diagnostics returns the errors and warnings of a CLI output, without the
// plan, for logs.
func diagnostics(out string) string {
	out = plain(out)
	if i := strings.Index(out, "\nError: "); i >= 0 {
		return out[i:]
	}
	if i := strings.LastIndex(out, "\nWarning: "); i >= 0 {
		return out[i:]
	}
	return ""
}

// plain drops the box-drawing characters some CLI versions frame
// diagnostics with, so phrases match across the CLI's line wrapping.
func plain(s string) string {
	return strings.NewReplacer("│", " ", "╷", " ", "╵", " ").Replace(s)
}

// apply writes cfg and applies it.
func (w *workspace) apply(cfg string, flags ...string) (string, error) {
	w.t.Helper()
	w.write(cfg)
	return w.run(append([]string{"apply", "-auto-approve", "-input=false", "-no-color"}, flags...)...)
}

// mustApply applies cfg and fails the test on an error.
func (w *workspace) mustApply(cfg string, flags ...string) string {
	w.t.Helper()
	out, err := w.apply(cfg, flags...)
	if err != nil {
		w.t.Fatalf("apply failed: %v\n%s", err, out)
	}
	return out
}

// applyFails applies cfg, expects it to fail with phrases in order (see
// acctest.ErrorMatching), and returns the output.
func (w *workspace) applyFails(cfg string, phrases ...string) string {
	w.t.Helper()
	out, err := w.apply(cfg)
	if err == nil {
		w.t.Fatalf("apply succeeded, want an error matching %q\n%s", phrases, out)
	}
	expectOutput(w.t, out, phrases...)
	return out
}

// plan writes cfg and plans it; changes reports whether the plan has any.
func (w *workspace) plan(cfg string) (out string, changes bool, err error) {
	w.t.Helper()
	w.write(cfg)
	out, err = w.run("plan", "-input=false", "-no-color", "-detailed-exitcode")
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.ExitCode() == 2 {
		return out, true, nil
	}
	return out, false, err
}

// converged checks that cfg plans no change: the apply before converged.
func (w *workspace) converged(cfg string) {
	w.t.Helper()
	out, changes, err := w.plan(cfg)
	if err != nil || changes {
		w.t.Fatalf("the configuration has not converged (changes %v, error %v):\n%s", changes, err, out)
	}
}

// destroy destroys everything in the workspace's state.
func (w *workspace) destroy(cfg string) {
	w.t.Helper()
	w.write(cfg)
	if out, err := w.run("destroy", "-auto-approve", "-input=false", "-no-color"); err != nil {
		w.t.Fatalf("destroy failed: %v\n%s", err, out)
	}
}

// stateResources lists the resource instances in the workspace's state, as
// "type.name[index]" with their attributes.
func (w *workspace) stateResources() map[string]map[string]any {
	w.t.Helper()
	out := map[string]map[string]any{}
	b, err := os.ReadFile(filepath.Join(w.dir, "terraform.tfstate"))
	if errors.Is(err, os.ErrNotExist) {
		return out
	}
	if err != nil {
		w.t.Fatal(err)
	}
	var st struct {
		Resources []struct {
			Mode, Type, Name string
			Instances        []struct {
				IndexKey   any            `json:"index_key"`
				Attributes map[string]any `json:"attributes"`
			}
		}
	}
	if err := json.Unmarshal(b, &st); err != nil {
		w.t.Fatalf("state: %v", err)
	}
	for _, r := range st.Resources {
		if r.Mode != "managed" {
			continue
		}
		for _, in := range r.Instances {
			addr := r.Type + "." + r.Name
			if in.IndexKey != nil {
				addr += fmt.Sprintf("[%v]", in.IndexKey)
			}
			out[addr] = in.Attributes
		}
	}
	return out
}

// expectOutput fails the test unless out contains the phrases in order.
func expectOutput(t testing.TB, out string, phrases ...string) {
	t.Helper()
	if !acctest.ErrorMatching(phrases...).MatchString(out) {
		t.Fatalf("output does not match %q:\n%s", phrases, out)
	}
}

// count returns how many times re matches out.
func count(out string, re string) int {
	return len(regexp.MustCompile(re).FindAllStringIndex(out, -1))
}

// chaosHost is a simulated host with the scenario's view of it: what was
// there before the scenario started, to find what it leaked.
type chaosHost struct {
	*acctest.Host
	t      *testing.T
	before acctest.HostContents
}

// startHost starts a simulated host and takes its inventory.
func startHost(t *testing.T, opts simhost.Options) *chaosHost {
	t.Helper()
	h := acctest.StartHost(t, opts)
	return &chaosHost{Host: h, t: t, before: h.Contents(context.Background())}
}

// config is the provider block for this host (through url when given, e.g.
// a proxy), unrestricted unless extra says otherwise.
func (h *chaosHost) config(url string, extra ...string) string {
	if url == "" {
		url = h.URL.String()
	}
	mode := `mode     = "unrestricted"`
	for _, e := range extra {
		if strings.Contains(e, "mode") && strings.Contains(e, "=") && strings.HasPrefix(strings.TrimSpace(e), "mode") {
			mode = ""
		}
	}
	return fmt.Sprintf(`
provider "ceso" {
  host     = %q
  username = %q
  password = %q
  insecure = true
  %s
  %s
}
`, url, h.Username, h.Password, mode, strings.Join(extra, "\n  "))
}

// vms returns how many VMs of each name exist on the host.
func (h *chaosHost) vms() map[string]int {
	out := map[string]int{}
	for _, n := range h.VMNames(context.Background()) {
		out[n]++
	}
	return out
}

// exactlyOne fails the test unless each name is the name of exactly one VM.
func (h *chaosHost) exactlyOne(names ...string) {
	h.t.Helper()
	got := h.vms()
	for _, n := range names {
		if got[n] != 1 {
			h.t.Errorf("want exactly one VM named %s on the host, found %d (VMs: %v)", n, got[n], got)
		}
	}
}

// orphans lists files that were not there before the scenario and that do
// not belong to the VMs named (their folder "<name>/").
func (h *chaosHost) orphans(names ...string) []string {
	h.t.Helper()
	files, err := h.Files()
	if err != nil {
		h.t.Fatal(err)
	}
	had := map[string]bool{}
	for _, f := range h.before.Files {
		had[f] = true
	}
	var out []string
outer:
	for _, f := range files {
		if had[f] {
			continue
		}
		for _, n := range names {
			if strings.Contains(f, "/"+n+"/") {
				continue outer
			}
		}
		out = append(out, f)
	}
	return out
}

// noOrphans fails the test when files other than the named VMs' are new.
func (h *chaosHost) noOrphans(names ...string) {
	h.t.Helper()
	if o := h.orphans(names...); len(o) > 0 {
		h.t.Errorf("orphan files on the datastore:\n  %s", strings.Join(o, "\n  "))
	}
}

// noLeaks fails the test, listing what leaked, when the host has anything
// it did not have before the scenario: VMs, snapshots, files and (unless
// sessions is false, e.g. after a partition that kept the provider from
// logging out) sessions.
func (h *chaosHost) noLeaks(sessions bool) {
	h.t.Helper()
	after := h.Contents(context.Background())
	acctest.NoLeaks(h.t, h.before, after)
	if sessions {
		if err := acctest.SessionsLeaked(h.before, after); err != nil {
			h.t.Errorf("leaked on the host: %v", err)
		}
	}
}

// readMethods are the SOAP methods that change nothing on a host. Every
// other method counts as a write: a security check fails closed.
var readMethods = map[string]bool{
	"RetrieveServiceContent": true, "Login": true, "Logout": true, "SessionIsActive": true, "CurrentTime": true,
	"RetrieveProperties": true, "RetrievePropertiesEx": true, "ContinueRetrievePropertiesEx": true,
	"CancelRetrievePropertiesEx": true, "CreatePropertyCollector": true, "DestroyPropertyCollector": true,
	"CreateFilter": true, "DestroyPropertyFilter": true, "WaitForUpdates": true, "WaitForUpdatesEx": true,
	"CheckForUpdates": true, "CancelWaitForUpdates": true, "CreateContainerView": true, "CreateListView": true,
	"CreateInventoryView": true, "DestroyView": true, "FindByUuid": true, "FindByInventoryPath": true,
	"FindByIp": true, "FindByDnsName": true, "FindChild": true, "FindAllByUuid": true, "QueryLicenseUsage": true,
	"QueryConfigOption": true, "QueryConfigOptionEx": true, "QueryConfigOptionDescriptor": true,
	"QueryConfigTarget": true, "QueryVirtualDiskUuid": true, "SearchDatastore_Task": true,
	"SearchDatastoreSubFolders_Task": true, "QueryAvailablePerfMetric": true, "QueryPerf": true,
}

// writesIn returns the methods of a request log that may change the host.
func writesIn(methods []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, m := range methods {
		if !readMethods[m] && !seen[m] {
			seen[m] = true
			out = append(out, m)
		}
	}
	sort.Strings(out)
	return out
}

// terminateProviderSessions logs out, on the host's side, every session
// but the one doing it: what a host does when sessions expire.
func (h *chaosHost) terminateProviderSessions() error {
	ctx := context.Background()
	c, err := h.Client(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = c.Logout(ctx) }()
	var sm mo.SessionManager
	if err := property.DefaultCollector(c.Client).RetrieveOne(ctx, *c.Client.ServiceContent.SessionManager, []string{"sessionList", "currentSession"}, &sm); err != nil {
		return err
	}
	var ids []string
	for _, s := range sm.SessionList {
		if sm.CurrentSession == nil || s.Key != sm.CurrentSession.Key {
			ids = append(ids, s.Key)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	return session.NewManager(c.Client).TerminateSession(ctx, ids)
}
