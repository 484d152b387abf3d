package chaos_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/esxi-commander/terraform-provider-ceso/internal/acctest"
	"github.com/esxi-commander/terraform-provider-ceso/internal/cli"
	"github.com/esxi-commander/terraform-provider-ceso/internal/policy"
	"github.com/esxi-commander/terraform-provider-ceso/internal/provider"
)

// serveEnv, set in the CLI's environment, makes the test binary serve the
// provider (the CLI runs it through dev_overrides) instead of running tests.
const serveEnv = "CESO_CHAOS_SERVE"

// systemPolicyEnv names the system policy file a scenario installs for the
// provider this test binary serves.
const systemPolicyEnv = "CESO_CHAOS_SYSTEM_POLICY"

func TestMain(m *testing.M) {
	if os.Getenv(serveEnv) != "" {
		// The scenario's system policy: only this test binary can move it
		// (see policy.SetSystemPathForTest); the provider users run reads
		// the fixed path whatever the environment says.
		p := os.Getenv(systemPolicyEnv)
		if p == "" {
			// No scenario policy: a policy installed on this machine
			// must not decide the scenario either.
			p = "/nonexistent/ceso-chaos/policy.json"
		}
		policy.SetSystemPathForTest(p)
		os.Exit(serve())
	}
	if os.Getenv(cliEnv) != "" {
		// The approver's commands, as the guide test runs them (through a
		// copy named ceso or a shim named terraform-provider-ceso): they
		// read the scenario's system policy like the provider does.
		if p := os.Getenv(systemPolicyEnv); p != "" {
			policy.SetSystemPathForTest(p)
		}
		os.Exit(cli.Run(os.Args[1:], os.Stdout, os.Stderr))
	}
	acctest.Main(m)
}

// cliEnv, set in a guide test's shell, makes the test binary run the
// approver commands, as the provider binary does when a person runs it.
const cliEnv = "CESO_CHAOS_CLI"

// pidFileEnv names a file the serving provider writes its process id to,
// so a scenario can kill it mid-apply.
const pidFileEnv = "CESO_CHAOS_PIDFILE"

// serve does what main.go does: serve until the CLI stops the plugin, then
// log out every session and close the guard.
func serve() int {
	if p := os.Getenv(pidFileEnv); p != "" {
		_ = os.WriteFile(p, []byte(strconv.Itoa(os.Getpid())), 0o600)
	}
	p := provider.NewInstance("chaos")
	err := providerserver.Serve(context.Background(), p.Factory, providerserver.ServeOpts{
		Address: "registry.terraform.io/esxi-commander/ceso",
	})
	p.Shutdown(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}
