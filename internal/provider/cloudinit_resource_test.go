package provider_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/esxi-commander/terraform-provider-ceso/internal/acctest"
	"github.com/esxi-commander/terraform-provider-ceso/internal/cloudinit"
	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
)

const cloudinitAddr = "ceso_cloudinit.web"

var (
	reHash       = regexp.MustCompile(`^[0-9a-f]{64}$`)
	reInstanceID = regexp.MustCompile(`^ceso-[0-9a-f]{16}$`)
)

// testAccCloudinitConfig is a web server with a static address; extra is
// spliced into the resource body. ceso_cloudinit makes no host call, but the
// provider block needs a host.
func testAccCloudinitConfig(provider, extra string) string {
	return provider + `
resource "ceso_cloudinit" "web" {
  hostname = "web-01"
  fqdn     = "web-01.example.com"

  users = [{
    name                = "alice"
    groups              = ["sudo"]
    sudo                = "ALL=(ALL) NOPASSWD:ALL"
    ssh_authorized_keys = ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGm0v1aiJ2iqv0S8JbP1q5g9tBvF4bXyQ7yT1rZ9kLxA alice@example.com"]
    hashed_password     = "$6$s4lt$Jx8T0z6qPq2wH1mG9lE4vK7yB3nR5cD8fA2sU6oI0pL9tZ1xW4hV7jN3bM5kQ8rY2eC6gF0aS9dU1iO4pL7zX."
  }]

  write_files = [{
    path        = "/etc/motd"
    content     = "Managed by ceso.\n"
    permissions = "0644"
  }]

  network = {
    interfaces = [{
      name        = "ens192"
      mac_address = "00:50:56:01:02:03"
      addresses   = ["192.0.2.10/24"]
      gateway4    = "192.0.2.1"
      nameservers = ["192.0.2.53"]
    }]
  }
` + extra + `
}
`
}

// expectGuestInfo decodes the guestinfo map of the resource or data source
// at addr and checks that it holds the rendered documents, that the
// meta-data contains each of metaWants and the user-data each of userWants.
type expectGuestInfo struct {
	addr      string
	metaWants []string
	userWants []string
}

var _ statecheck.StateCheck = expectGuestInfo{}

func (e expectGuestInfo) CheckState(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	if req.State == nil || req.State.Values == nil || req.State.Values.RootModule == nil {
		resp.Error = fmt.Errorf("no state")
		return
	}
	for _, r := range req.State.Values.RootModule.Resources {
		if r.Address != e.addr {
			continue
		}
		raw, _ := r.AttributeValues["guestinfo"].(map[string]any)
		gi := make(map[string]string, len(raw))
		for k, v := range raw {
			s, ok := v.(string)
			if !ok {
				resp.Error = fmt.Errorf("%s: guestinfo[%q] is a %T", e.addr, k, v)
				return
			}
			gi[k] = s
		}
		userData, metaData, vendorData, err := cloudinit.Decode(gi)
		if err != nil {
			resp.Error = fmt.Errorf("%s: %w", e.addr, err)
			return
		}
		for attr, got := range map[string]string{"user_data": userData, "meta_data": metaData, "vendor_data": vendorData} {
			if want, _ := r.AttributeValues[attr].(string); got != want {
				resp.Error = fmt.Errorf("%s: guestinfo decodes to a %s of %q, the attribute holds %q", e.addr, attr, got, want)
				return
			}
		}
		for _, want := range e.metaWants {
			if !strings.Contains(metaData, want) {
				resp.Error = fmt.Errorf("%s: meta-data lacks %q:\n%s", e.addr, want, metaData)
				return
			}
		}
		for _, want := range e.userWants {
			if !strings.Contains(userData, want) {
				resp.Error = fmt.Errorf("%s: user-data lacks %q:\n%s", e.addr, want, userData)
				return
			}
		}
		return
	}
	resp.Error = fmt.Errorf("%s not found in state", e.addr)
}

func TestAccCloudinitResource(t *testing.T) {
	hashChanges := statecheck.CompareValue(compare.ValuesDiffer())
	cfg := acctest.StartHost(t, simhost.Options{}).ProviderConfig()
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{
				// Create: every output is known at plan time.
				Config: testAccCloudinitConfig(cfg, ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(cloudinitAddr, plancheck.ResourceActionCreate),
						plancheck.ExpectKnownValue(cloudinitAddr, tfjsonpath.New("hash"), knownvalue.StringRegexp(reHash)),
						plancheck.ExpectKnownValue(cloudinitAddr, tfjsonpath.New("instance_id"), knownvalue.StringRegexp(reInstanceID)),
						plancheck.ExpectSensitiveValue(cloudinitAddr, tfjsonpath.New("user_data")),
						plancheck.ExpectSensitiveValue(cloudinitAddr, tfjsonpath.New("guestinfo")),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					hashChanges.AddStateValue(cloudinitAddr, tfjsonpath.New("hash")),
					statecheck.ExpectKnownValue(cloudinitAddr, tfjsonpath.New("id"), knownvalue.StringRegexp(reHash)),
					statecheck.ExpectKnownValue(cloudinitAddr, tfjsonpath.New("vendor_data"), knownvalue.StringExact("")),
					statecheck.ExpectKnownValue(cloudinitAddr, tfjsonpath.New("guestinfo"), knownvalue.MapSizeExact(4)),
					statecheck.ExpectKnownValue(cloudinitAddr, tfjsonpath.New("guestinfo").AtMapKey(cloudinit.KeyUserDataEncoding),
						knownvalue.StringExact(cloudinit.EncodingGzipBase64)),
					expectGuestInfo{
						addr:      cloudinitAddr,
						metaWants: []string{"local-hostname: web-01\n", "macaddress: \"00:50:56:01:02:03\"", "to: \"0.0.0.0/0\""},
						userWants: []string{"#cloud-config\n", "fqdn: web-01.example.com\n", "name: alice\n"},
					},
				},
			},
			{
				// The same configuration plans nothing.
				Config: testAccCloudinitConfig(cfg, ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
			{
				// Update in place; the plan shows the new content.
				Config: testAccCloudinitConfig(cfg, `  packages = ["nginx"]`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(cloudinitAddr, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(cloudinitAddr, tfjsonpath.New("hash"), knownvalue.StringRegexp(reHash)),
						plancheck.ExpectKnownValue(cloudinitAddr, tfjsonpath.New("instance_id"), knownvalue.StringRegexp(reInstanceID)),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					hashChanges.AddStateValue(cloudinitAddr, tfjsonpath.New("hash")),
					expectGuestInfo{addr: cloudinitAddr, userWants: []string{"packages:\n  - nginx\n"}},
				},
			},
			{
				// A fixed instance ID is kept.
				Config: testAccCloudinitConfig(cfg, `  instance_id = "web-01-v1"`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(cloudinitAddr, plancheck.ResourceActionUpdate),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(cloudinitAddr, tfjsonpath.New("instance_id"), knownvalue.StringExact("web-01-v1")),
					expectGuestInfo{addr: cloudinitAddr, metaWants: []string{"instance-id: web-01-v1\n"}},
				},
			},
			{
				// Import is refused with a clear message.
				ResourceName:  cloudinitAddr,
				ImportState:   true,
				ImportStateId: "web-01",
				ExpectError:   acctest.ErrorMatching("Import Not Supported", "pure configuration"),
			},
		},
	})
}

// TestAccCloudinitResource_unknownInput checks a hostname known only at
// apply: the outputs are unknown in the plan and rendered at apply.
func TestAccCloudinitResource_unknownInput(t *testing.T) {
	cfg := acctest.StartHost(t, simhost.Options{}).ProviderConfig()
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: cfg + `
resource "terraform_data" "name" {
  input = "late-01"
}

resource "ceso_cloudinit" "web" {
  hostname = terraform_data.name.output
  packages = ["nginx"]
}
`,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectUnknownValue(cloudinitAddr, tfjsonpath.New("hash")),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(cloudinitAddr, tfjsonpath.New("instance_id"), knownvalue.StringRegexp(reInstanceID)),
					expectGuestInfo{addr: cloudinitAddr, metaWants: []string{"local-hostname: late-01\n"}},
				},
			},
		},
	})
}

// TestAccCloudinitResource_validation checks the plan-time errors. The CLI
// prints the summary and detail; the attribute paths are checked in
// cloudinit_model_test.go.
func TestAccCloudinitResource_validation(t *testing.T) {
	cfg := acctest.StartHost(t, simhost.Options{}).ProviderConfig()
	step := func(body string, want ...string) resource.TestStep {
		return resource.TestStep{
			Config:      cfg + "resource \"ceso_cloudinit\" \"web\" {\n" + body + "\n}\n",
			PlanOnly:    true,
			ExpectError: acctest.ErrorMatching(want...),
		}
	}
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			step(`hostname = "web_01"`, "Invalid Hostname", `got "web_01"`),
			step(`
  hostname = "web-01"
  users    = [{ name = "alice", hashed_password = "hunter2" }]`,
				"Clear-Text Password", "mkpasswd -m sha-512"),
			step(`
  hostname = "web-01"
  network  = { interfaces = [{ name = "ens192", addresses = ["192.0.2.10/24"], gateway4 = "198.51.100.1" }] }`,
				"Gateway Outside Every Subnet", "gateway4 198.51.100.1 is outside every IPv4 subnet"),
			step(`
  hostname = "web-01"
  network  = { interfaces = [{ name = "ens192", addresses = ["2001:db8::10/64"], routes = [{ to = "::/0", via = "2001:db8::1" }] }] }`,
				"Invalid Route", `set gateway6 = "2001:db8::1"`),
			step(`
  hostname = "web-01"
  network  = { interfaces = [{ name = "eth0", dhcp4 = true }, { name = "eth0", dhcp4 = true }] }`,
				"Duplicate Entry", `Interface "eth0" is already defined at network.interfaces[0]`),
			step(`
  hostname = "web-01"
  network  = { interfaces = [{ name = "eth0", addresses = ["192.0.2.10"] }] }`,
				"Invalid Address", "has no prefix length"),
			step(`
  hostname      = "web-01"
  user_data_raw = "#cloud-config\npackagez: [nginx]\n"`,
				"Unknown Cloud-Config Key", `"packagez" is not a cloud-config key`),
			step(`
  hostname      = "web-01"
  packages      = ["curl"]
  user_data_raw = "#cloud-config\npackages: [nginx]\n"`,
				"Key Set Twice", `"packages" is set both by the packages attribute and in user_data_raw`),
			step(`
  hostname      = "web-01"
  runcmd        = ["echo hi"]
  user_data_raw = "#!/bin/sh\necho raw\n"`,
				"Raw Data Cannot Be Merged", "runcmd"),
		},
	})
}
