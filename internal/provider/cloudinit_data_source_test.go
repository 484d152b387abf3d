package provider_test

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/esxi-commander/terraform-provider-ceso/internal/acctest"
	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
)

const testAccCloudinitDataSourceBody = `
  hostname = "v6-01"
  timezone = "UTC"
  network = {
    interfaces = [{
      name        = "ens192"
      dhcp4       = true
      addresses   = ["2001:db8::10/64"]
      gateway6    = "fe80::1"
    }]
  }
  vendor_data_raw = "#cloud-config\nfinal_message: \"vendor done\"\n"
`

func TestAccCloudinitDataSource(t *testing.T) {
	cfg := acctest.StartHost(t, simhost.Options{}).ProviderConfig()
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: cfg +
					"data \"ceso_cloudinit\" \"v6\" {" + testAccCloudinitDataSourceBody + "}\n" +
					"resource \"ceso_cloudinit\" \"v6\" {" + testAccCloudinitDataSourceBody + "}\n",
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.ceso_cloudinit.v6", tfjsonpath.New("hash"), knownvalue.StringRegexp(reHash)),
					statecheck.ExpectKnownValue("data.ceso_cloudinit.v6", tfjsonpath.New("guestinfo"), knownvalue.MapSizeExact(6)),
					expectGuestInfo{
						addr:      "data.ceso_cloudinit.v6",
						metaWants: []string{"local-hostname: v6-01\n", "gateway6: \"fe80::1\""},
						userWants: []string{"timezone: UTC\n"},
					},
					// The data source and the resource render the same payload.
					statecheck.CompareValuePairs("data.ceso_cloudinit.v6", tfjsonpath.New("hash"),
						"ceso_cloudinit.v6", tfjsonpath.New("hash"), compare.ValuesSame()),
					statecheck.CompareValuePairs("data.ceso_cloudinit.v6", tfjsonpath.New("guestinfo"),
						"ceso_cloudinit.v6", tfjsonpath.New("guestinfo"), compare.ValuesSame()),
				},
			},
		},
	})
}

func TestAccCloudinitDataSource_validation(t *testing.T) {
	cfg := acctest.StartHost(t, simhost.Options{}).ProviderConfig()
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{{
			Config: cfg + `
data "ceso_cloudinit" "bad" {
  hostname        = "web-01"
  vendor_data_raw = "#cloud-config\nnetwork:\n  version: 2\n"
}
`,
			ExpectError: acctest.ErrorMatching("Network In Raw Data", `vendor_data_raw sets "network"`),
		}},
	})
}
