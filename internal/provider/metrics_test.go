package provider_test

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/esxi-commander/terraform-provider-ceso/internal/acctest"
	"github.com/esxi-commander/terraform-provider-ceso/internal/metrics/metricstest"
	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
)

// An apply pushes the provider's metrics to a real Pushgateway; they are
// read back from the Pushgateway's own /metrics.
func TestAccMetrics_pushedToPushgateway(t *testing.T) {
	gw := metricstest.StartPushgateway(t)
	h := acctest.StartHost(t, simhost.Options{VMs: 2})
	cfg := h.ProviderConfig(fmt.Sprintf(`metrics {
    pushgateway_url = %q
    job             = "ceso-acc"
  }`, gw)) + `
data "ceso_vms" "all" {}
resource "ceso_cloudinit" "web" {
  hostname = "web-01"
}
`
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps:                    []resource.TestStep{{Config: cfg}},
	})
	fams := metricstest.Families(t, gw)
	for _, c := range []struct {
		name   string
		labels map[string]string
	}{
		{"ceso_operations_total", map[string]string{"job": "ceso-acc", "resource": "ceso_cloudinit", "action": "create", "outcome": "success"}},
		{"ceso_operation_duration_seconds", map[string]string{"job": "ceso-acc", "resource": "ceso_cloudinit", "action": "create"}},
		{"ceso_policy_decisions_total", map[string]string{"job": "ceso-acc", "mode": "standard", "decision": "allowed"}},
		{"ceso_soap_calls_total", map[string]string{"job": "ceso-acc", "method": "RetrievePropertiesEx"}},
		{"ceso_pool_events_total", map[string]string{"job": "ceso-acc", "event": "created"}},
	} {
		if got := metricstest.Find(fams, c.name, c.labels); len(got) == 0 {
			t.Errorf("Pushgateway has no %s with %v", c.name, c.labels)
		}
	}
}
