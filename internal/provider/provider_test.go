package provider_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/esxi-commander/terraform-provider-ceso/internal/acctest"
	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
)

const hostCheck = `data "ceso_host" "this" {}`

// providerBlock writes a provider block from attribute lines.
func providerBlock(lines ...string) string {
	return "provider \"ceso\" {\n  " + strings.Join(lines, "\n  ") + "\n}\n"
}

func TestAccProvider_configurationErrors(t *testing.T) {
	h := acctest.StartHost(t, simhost.Options{})
	creds := fmt.Sprintf("username = %q\n  password = %q", h.Username, h.Password)
	step := func(cfg string, want ...string) resource.TestStep {
		return resource.TestStep{Config: cfg + hostCheck, ExpectError: acctest.ErrorMatching(want...)}
	}
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			step(providerBlock(`host = "bad host!"`, creds), "Invalid host", `"bad host!" is not a valid host or URL`),
			step(providerBlock(`host = "ftp://esxi01"`, creds), "Invalid host", "only https"),
			step(providerBlock(fmt.Sprintf("host = %q", h.URL), `username = "root"`, `password = "wrong"`, "insecure = true"),
				"Login refused", "Check username and password", "not locked out"),
			step(providerBlock(`host = "127.0.0.1:1"`, creds, "insecure = true"), "Host unreachable", "127.0.0.1:1"),
			step(h.ProviderConfig(`pool {
    min_sessions = 5
    max_sessions = 2
  }`), "Invalid pool size", "min_sessions (5) is larger than max_sessions (2)"),
			step(h.ProviderConfig(`pool {
    max_sessions = -1
  }`), "max_sessions", "at least 1"),
			step(h.ProviderConfig(`mode = "yolo"`), "mode", "value must be one of"),
			step(h.ProviderConfig(`api_timeout = "5 minutes"`), "api_timeout", "must be a duration"),
			step(h.ProviderConfig(`tls_thumbprint = "not-hex"`), "Invalid TLS thumbprint", "SHA-256"),
			step(providerBlock(creds), "No Host Configured"),
		},
	})
}

func TestAccProvider_tls(t *testing.T) {
	h := acctest.StartHost(t, simhost.Options{TLS: true})
	base := []string{fmt.Sprintf("host = %q", h.URL), fmt.Sprintf("username = %q", h.Username), fmt.Sprintf("password = %q", h.Password)}
	with := func(extra ...string) string {
		return providerBlock(append(append([]string{}, base...), extra...)...) + hostCheck
	}
	wrong := strings.Repeat("AB:", 31) + "AB"
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{ // self-signed and not pinned: refused, and the error shows what to pin
				Config:      with(),
				ExpectError: acctest.ErrorMatching("Untrusted host certificate", h.Thumbprint(), "tls_thumbprint"),
			},
			{
				Config:      with(fmt.Sprintf("tls_thumbprint = %q", wrong)),
				ExpectError: acctest.ErrorMatching("Untrusted host certificate", "does not match"),
			},
			{ // pinned: trusted, without insecure
				Config: with(fmt.Sprintf("tls_thumbprint = %q", strings.ToLower(strings.ReplaceAll(h.Thumbprint(), ":", "")))),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.ceso_host.this", tfjsonpath.New("product"), knownvalue.StringExact("ESXi")),
				},
			},
		},
	})
}
