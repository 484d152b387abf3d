package provider_test

import (
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/esxi-commander/terraform-provider-ceso/internal/acctest"
	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
)

const allDataSources = `
data "ceso_host" "this" {}
data "ceso_datastores" "all" {}
data "ceso_datastore" "first" { name = data.ceso_datastores.all.datastores[0].name }
data "ceso_networks" "all" {}
data "ceso_network" "first" { name = data.ceso_networks.all.networks[0].name }
data "ceso_vms" "templates" { name_regex = "^ceso-template$" }
data "ceso_vms" "off" { power_state = "off" }
data "ceso_vm" "by_name" { name = "ceso-template" }
data "ceso_vm" "by_uuid" { uuid = data.ceso_vm.by_name.uuid }
data "ceso_vm" "by_path" { path = data.ceso_vm.by_name.path }
data "ceso_templates" "all" {}
`

func TestAccDataSources_standaloneHost(t *testing.T) {
	h := acctest.StartHost(t, simhost.Options{VMs: 3})
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{{
			Config: h.ProviderConfig() + allDataSources,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.ceso_host.this", tfjsonpath.New("product"), knownvalue.StringExact("ESXi")),
				statecheck.ExpectKnownValue("data.ceso_host.this", tfjsonpath.New("is_vcenter"), knownvalue.Bool(false)),
				statecheck.ExpectKnownValue("data.ceso_host.this", tfjsonpath.New("free_licence"), knownvalue.Bool(false)),
				statecheck.ExpectKnownValue("data.ceso_host.this", tfjsonpath.New("version"), acctest.NonEmpty()),
				statecheck.ExpectKnownValue("data.ceso_host.this", tfjsonpath.New("cpu_cores"), acctest.Positive()),
				statecheck.ExpectKnownValue("data.ceso_host.this", tfjsonpath.New("memory_bytes"), acctest.Positive()),
				statecheck.ExpectKnownValue("data.ceso_host.this", tfjsonpath.New("connection_state"), knownvalue.StringExact("connected")),
				statecheck.ExpectKnownValue("data.ceso_host.this", tfjsonpath.New("maintenance_mode"), knownvalue.Bool(false)),
				statecheck.ExpectKnownValue("data.ceso_datastores.all", tfjsonpath.New("datastores"), knownvalue.ListSizeExact(1)),
				statecheck.ExpectKnownValue("data.ceso_datastore.first", tfjsonpath.New("capacity_bytes"), acctest.Positive()),
				statecheck.ExpectKnownValue("data.ceso_datastore.first", tfjsonpath.New("accessible"), knownvalue.Bool(true)),
				statecheck.ExpectKnownValue("data.ceso_network.first", tfjsonpath.New("type"), knownvalue.StringExact("Network")),
				statecheck.ExpectKnownValue("data.ceso_vms.templates", tfjsonpath.New("vms"), knownvalue.ListExact([]knownvalue.Check{
					knownvalue.ObjectPartial(map[string]knownvalue.Check{
						"name":        knownvalue.StringExact("ceso-template"),
						"is_template": knownvalue.Bool(true),
						"cpus":        knownvalue.Int64Exact(2),
						"memory_mb":   knownvalue.Int64Exact(2048),
						"path":        knownvalue.StringExact("/ha-datacenter/vm/ceso-template"),
					}),
				})),
				// Three model VMs and the template, all powered off (autostart is off).
				statecheck.ExpectKnownValue("data.ceso_vms.off", tfjsonpath.New("vms"), knownvalue.ListSizeExact(4)),
				statecheck.ExpectKnownValue("data.ceso_vm.by_uuid", tfjsonpath.New("name"), knownvalue.StringExact("ceso-template")),
				statecheck.ExpectKnownValue("data.ceso_vm.by_path", tfjsonpath.New("name"), knownvalue.StringExact("ceso-template")),
				statecheck.ExpectKnownValue("data.ceso_vm.by_name", tfjsonpath.New("guest_id"), knownvalue.StringExact("ubuntu64Guest")),
				// Only the marked template, not the three plain VMs.
				statecheck.ExpectKnownValue("data.ceso_templates.all", tfjsonpath.New("templates"), knownvalue.ListExact([]knownvalue.Check{
					knownvalue.ObjectPartial(map[string]knownvalue.Check{"name": knownvalue.StringExact("ceso-template")}),
				})),
				statecheck.ExpectKnownValue("data.ceso_vm.by_name", tfjsonpath.New("datastores"), knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("LocalDS_0")})),
			},
		}},
	})
}

func TestAccDataSources_vCenter(t *testing.T) {
	h := acctest.StartHost(t, simhost.Options{VCenter: true, VMs: 1})
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{{
			Config: h.ProviderConfig(`datacenter = "DC0"`) + allDataSources + `
data "ceso_network" "dvpg" { name = "DC0_DVPG0" }
`,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.ceso_host.this", tfjsonpath.New("product"), knownvalue.StringExact("vCenter Server")),
				statecheck.ExpectKnownValue("data.ceso_host.this", tfjsonpath.New("is_vcenter"), knownvalue.Bool(true)),
				statecheck.ExpectKnownValue("data.ceso_host.this", tfjsonpath.New("cluster"), knownvalue.StringExact("DC0_C0")),
				statecheck.ExpectKnownValue("data.ceso_host.this", tfjsonpath.New("cpu_cores"), acctest.Positive()),
				statecheck.ExpectKnownValue("data.ceso_network.dvpg", tfjsonpath.New("type"), knownvalue.StringExact("DistributedVirtualPortgroup")),
				statecheck.ExpectKnownValue("data.ceso_vm.by_name", tfjsonpath.New("is_template"), knownvalue.Bool(true)),
				statecheck.ExpectKnownValue("data.ceso_vm.by_name", tfjsonpath.New("datacenter"), knownvalue.StringExact("DC0")),
				statecheck.ExpectKnownValue("data.ceso_vm.by_path", tfjsonpath.New("path"), knownvalue.StringExact("/DC0/vm/ceso-template")),
				statecheck.ExpectKnownValue("data.ceso_datastores.all", tfjsonpath.New("datastores"), knownvalue.ListSizeExact(1)),
				statecheck.ExpectKnownValue("data.ceso_templates.all", tfjsonpath.New("templates"), knownvalue.ListExact([]knownvalue.Check{
					knownvalue.ObjectPartial(map[string]knownvalue.Check{"name": knownvalue.StringExact("ceso-template"), "is_template": knownvalue.Bool(true)}),
				})),
			},
		}},
	})
}

func TestAccDataSources_lookupErrors(t *testing.T) {
	h := acctest.StartHost(t, simhost.Options{VMs: 1})
	step := func(cfg, want string) resource.TestStep {
		return resource.TestStep{Config: h.ProviderConfig() + cfg, ExpectError: regexp.MustCompile(want)}
	}
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			step(`data "ceso_vm" "x" { name = "no-such-vm" }`, `no VM with name "no-such-vm" exists`),
			step(`data "ceso_datastore" "x" { name = "nope" }`, `no datastore with name "nope" exists`),
			step(`data "ceso_network" "x" { name = "nope" }`, `no network with name "nope" exists`),
			step(`data "ceso_vm" "x" {}`, `(?s)Missing Attribute Configuration.*Exactly one of these attributes must be configured: \[name,uuid,path\]`),
			step(`data "ceso_vms" "x" { name_regex = "(" }`, `Invalid Regular Expression`),
			step(`data "ceso_vms" "x" { power_state = "running" }`, `(?s)power_state.*value must be one of`),
		},
	})
}
