package provider_test

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/esxi-commander/terraform-provider-ceso/internal/acctest"
	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
)

// A refresh writes at most one read record: the data sources share one
// batched inventory read, audited once, and serving eleven data sources from
// it writes no record per data source (each record is fsynced).
func TestAccDataSources_oneReadRecordPerRefresh(t *testing.T) {
	h := acctest.StartHost(t, simhost.Options{VMs: 3})
	auditFile := filepath.Join(t.TempDir(), "audit.jsonl")
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{{
			Config: h.ProviderConfig(fmt.Sprintf("audit_file = %q", auditFile)) + allDataSources,
		}},
	})
	reads := map[string][]string{} // run -> resource types of its read records
	for _, r := range readAudit(t, auditFile) {
		if r["kind"] == "read" {
			run, _ := r["run_id"].(string)
			typ, _ := r["resource_type"].(string)
			reads[run] = append(reads[run], typ)
		}
	}
	if len(reads) == 0 {
		t.Fatal("no read record at all: the inventory read must be audited, and the check would prove nothing")
	}
	for run, types := range reads {
		if len(types) != 1 || types[0] != "inventory" {
			t.Errorf("run %s wrote read records %v, want exactly one (the batched inventory read)", run, types)
		}
	}
}
