// Package acctest is ceso's acceptance-test harness: provider factories, a
// simulated ESXi host or vCenter per test, the CLI configuration the real
// Terraform/OpenTofu binary needs, and helpers that look at the simulated
// host directly so tests assert what really exists there.
package acctest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/property"
	"github.com/vmware/govmomi/view"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/policy"
	"github.com/esxi-commander/terraform-provider-ceso/internal/provider"
	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
)

// ProviderFactories serve the provider in process, so the CLI talks to the
// code under test and the simulator runs in the same process.
var ProviderFactories = map[string]func() (tfprotov6.ProviderServer, error){
	"ceso": providerserver.NewProtocol6WithError(provider.New("test")()),
}

// Main prepares the environment for acceptance tests and runs them. Use it
// from TestMain: it writes an empty CLI config (the machine's
// TF_CLI_CONFIG_FILE may point at a missing file, whose warning breaks the
// test framework's version check) and finds the CLI built by `make tools`.
func Main(m *testing.M) {
	dir, err := os.MkdirTemp("", "ceso-acc-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	cfg := filepath.Join(dir, "cli.tfrc")
	if err := os.WriteFile(cfg, []byte("# ceso acceptance tests: no plugin cache, no credentials\n"), 0o600); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	_ = os.Setenv("TF_CLI_CONFIG_FILE", cfg)
	// A system policy installed on this machine must not decide the
	// tests: point the in-process provider at one that does not exist.
	// Tests that need one install it (policy.SetSystemPathForTest).
	policy.SetSystemPathForTest(filepath.Join(dir, "no-system-policy", "policy.json"))
	_ = os.Setenv("CHECKPOINT_DISABLE", "1")
	if os.Getenv("TF_ACC_TERRAFORM_PATH") == "" {
		if p := defaultCLI(); p != "" {
			_ = os.Setenv("TF_ACC_TERRAFORM_PATH", p)
		}
	}
	if strings.HasSuffix(os.Getenv("TF_ACC_TERRAFORM_PATH"), "tofu") && os.Getenv("TF_ACC_PROVIDER_HOST") == "" {
		_ = os.Setenv("TF_ACC_PROVIDER_HOST", "registry.opentofu.org")
	}
	// The simulator keeps datastore files in TMPDIR; keep them in our folder.
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// defaultCLI returns bin/tofu (or bin/terraform) of this repository, if built.
func defaultCLI() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return ""
	}
	root := filepath.Join(filepath.Dir(file), "..", "..")
	for _, name := range []string{"tofu", "terraform"} {
		p := filepath.Join(root, "bin", name)
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return ""
}

// PreCheck skips nothing: it fails early with a useful message when the CLI
// is missing, instead of letting the framework fail obscurely.
func PreCheck(t *testing.T) {
	t.Helper()
	if os.Getenv("TF_ACC") == "" {
		return // the framework skips the test and says why
	}
	if p := os.Getenv("TF_ACC_TERRAFORM_PATH"); p == "" {
		t.Fatal("no Terraform/OpenTofu CLI: run `make tools` (builds bin/tofu and bin/terraform) or set TF_ACC_TERRAFORM_PATH")
	}
}

// Host is a simulated endpoint for one test.
type Host struct {
	*simhost.Host
	t testing.TB
}

// StartHost starts a simulated host that stops when the test ends.
func StartHost(t testing.TB, opts simhost.Options) *Host {
	t.Helper()
	h, err := simhost.Start(opts)
	if err != nil {
		t.Fatalf("start simulated host: %v", err)
	}
	t.Cleanup(h.Close)
	return &Host{Host: h, t: t}
}

// ProviderConfig returns a provider block for the host; extra lines go inside it.
func (h *Host) ProviderConfig(extra ...string) string {
	return fmt.Sprintf(`
provider "ceso" {
  host     = %q
  username = %q
  password = %q
  insecure = true
%s
}
`, h.URL.String(), h.Username, h.Password, strings.Join(extra, "\n"))
}

// VMNames lists the names of the VMs that exist on the host right now.
func (h *Host) VMNames(ctx context.Context) []string {
	h.t.Helper()
	c, err := h.Client(ctx)
	if err != nil {
		h.t.Fatalf("log in to inspect the host: %v", err)
	}
	defer func() { _ = c.Logout(ctx) }()
	names, err := simhost.ListVMNames(ctx, c.Client)
	if err != nil {
		h.t.Fatalf("list VMs: %v", err)
	}
	return names
}

// VM returns the simulated host's view of one VM by name (fails the test
// when there is not exactly one).
func (h *Host) VM(ctx context.Context, name string) mo.VirtualMachine {
	h.t.Helper()
	c, err := h.Client(ctx)
	if err != nil {
		h.t.Fatalf("log in to inspect the host: %v", err)
	}
	defer func() { _ = c.Logout(ctx) }()
	v, err := view.NewManager(c.Client).CreateContainerView(ctx, c.Client.ServiceContent.RootFolder, []string{"VirtualMachine"}, true)
	if err != nil {
		h.t.Fatal(err)
	}
	defer func() { _ = v.Destroy(ctx) }()
	var vms []mo.VirtualMachine
	if err := v.RetrieveWithFilter(ctx, []string{"VirtualMachine"}, []string{"name", "config", "runtime", "snapshot", "layoutEx"}, &vms, property.Match{"name": name}); err != nil {
		h.t.Fatalf("find VM %s: %v", name, err)
	}
	if len(vms) != 1 {
		h.t.Fatalf("want exactly one VM named %s on the host, found %d", name, len(vms))
	}
	return vms[0]
}

// Reconfigure changes a VM behind Terraform's back (to test drift).
func (h *Host) Reconfigure(ctx context.Context, name string, spec types.VirtualMachineConfigSpec) {
	h.t.Helper()
	c, err := h.Client(ctx)
	if err != nil {
		h.t.Fatal(err)
	}
	defer func() { _ = c.Logout(ctx) }()
	f := find.NewFinder(c.Client, true)
	dc, err := f.DefaultDatacenter(ctx)
	if err != nil {
		h.t.Fatal(err)
	}
	f.SetDatacenter(dc)
	vm, err := f.VirtualMachine(ctx, name)
	if err != nil {
		h.t.Fatal(err)
	}
	task, err := vm.Reconfigure(ctx, spec)
	if err == nil {
		err = task.Wait(ctx)
	}
	if err != nil {
		h.t.Fatalf("reconfigure %s: %v", name, err)
	}
}

// ExtraConfig returns a VM's extra configuration as a map.
func ExtraConfig(v mo.VirtualMachine) map[string]string {
	out := map[string]string{}
	if v.Config == nil {
		return out
	}
	for _, o := range v.Config.ExtraConfig {
		ov := o.GetOptionValue()
		if s, ok := ov.Value.(string); ok {
			out[ov.Key] = s
		}
	}
	return out
}
