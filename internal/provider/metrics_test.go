package provider_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/esxi-commander/terraform-provider-ceso/internal/acctest"
	"github.com/esxi-commander/terraform-provider-ceso/internal/metrics"
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
		if got := metricstest.Await(t, gw, c.name, c.labels, metricstest.AtLeast(1)); len(got) == 0 {
			t.Errorf("Pushgateway has no %s with %v", c.name, c.labels)
		}
	}
}

// A backup pushes when it finished (at most a push_interval later) as
// ceso_backup_last_success_timestamp_seconds of its VM, the series the
// CesoBackupTooOld alert reads.
func TestAccMetrics_backupLastSuccessPushed(t *testing.T) {
	gw := metricstest.StartPushgateway(t)
	h := acctest.StartHost(t, simhost.Options{})
	cfg := h.ProviderConfig(unrestricted, fmt.Sprintf(`metrics {
    pushgateway_url = %q
    job             = "ceso-bk"
  }`, gw)) + backupVM("met-01") + fmt.Sprintf(`
resource "ceso_backup" "b" {
  vm          = ceso_vm.src.id
  destination = %q
}
`, backupDest)
	var started time.Time
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{{Config: cfg, Check: func(s *terraform.State) error {
			var err error
			started, err = time.Parse(time.RFC3339, stateAttr(s, "ceso_backup.b", "time"))
			return err
		}}},
	})
	found := metricstest.Await(t, gw, metrics.NameBackupLastSuccess, map[string]string{"job": "ceso-bk", "vm": "met-01"}, metricstest.AtLeast(1))
	if len(found) != 1 || found[0].Gauge == nil {
		t.Fatalf("Pushgateway has %d %s series for met-01; want one gauge", len(found), metrics.NameBackupLastSuccess)
	}
	at := time.Unix(0, int64(found[0].Gauge.GetValue()*1e9))
	if at.Before(started) || at.After(time.Now()) {
		t.Errorf("last success at %s; want between the backup's start %s and now", at.UTC(), started)
	}
}
