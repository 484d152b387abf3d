package provider_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/acctest"
	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
)

// A ceso_vm with backup = <id> is a new VM made from the backup's disks
// and hardware, with a new identity; restoring over an existing VM is
// refused.
func TestAccVM_restoreFromBackup(t *testing.T) {
	h := acctest.StartHost(t, simhost.Options{})
	var mu sync.Mutex
	var copied []string // sources of the disk copies
	h.AddHook(func(_ *simulator.Context, m *simulator.Method) types.BaseMethodFault {
		if req, ok := m.Body.(*types.CopyVirtualDisk_Task); ok {
			mu.Lock()
			copied = append(copied, req.SourceName+" -> "+req.DestName)
			mu.Unlock()
		}
		return nil
	})
	base := h.ProviderConfig(unrestricted) + `
resource "ceso_vm" "src" {
  name        = "web-01"
  template    = "ceso-template"
  cpus        = 2
  memory_mb   = 3072
  power_state = "on"
}
resource "ceso_backup" "b" {
  vm                = ceso_vm.src.id
  destination       = "[LocalDS_0] backups"
  retain_on_destroy = false
}
resource "ceso_vm" "restored" {
  name        = "web-01-restored"
  backup      = ceso_backup.b.id
  power_state = "off"
  network_interface {
    network      = "VM Network"
    adapter_type = "e1000e"
  }
}
`
	byPath := `
resource "ceso_vm" "by_path" {
  name        = "web-01-copy"
  backup      = ceso_backup.b.manifest_path
  power_state = "off"
}
`
	over := `
resource "ceso_vm" "over" {
  name   = "web-01"
  backup = ceso_backup.b.id
}
`
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             vmGone(h, "web-01", "web-01-restored", "web-01-copy"),
		Steps: []resource.TestStep{
			{
				Config: base,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("ceso_vm.restored", tfjsonpath.New("cpus"), knownvalue.Int64Exact(2)),
					statecheck.ExpectKnownValue("ceso_vm.restored", tfjsonpath.New("memory_mb"), knownvalue.Int64Exact(3072)),
					statecheck.ExpectKnownValue("ceso_vm.restored", tfjsonpath.New("guest_id"), knownvalue.StringExact("ubuntu64Guest")),
					statecheck.ExpectKnownValue("ceso_vm.restored", tfjsonpath.New("power_state"), knownvalue.StringExact("off")),
					statecheck.ExpectKnownValue("ceso_vm.restored", tfjsonpath.New("network_interface").AtSliceIndex(0).AtMapKey("adapter_type"), knownvalue.StringExact("e1000e")),
				},
				Check: func(s *terraform.State) error {
					ctx := context.Background()
					id := stateAttr(s, "ceso_backup.b", "id")
					if a, b := stateAttr(s, "ceso_vm.src", "uuid"), stateAttr(s, "ceso_vm.restored", "uuid"); a == b || b == "" {
						return fmt.Errorf("restored VM uuid %q, source %q: want a new identity", b, a)
					}
					mu.Lock()
					defer mu.Unlock()
					want := "[LocalDS_0] backups/web-01/" + id + "/web-01.vmdk -> [LocalDS_0] web-01-restored/web-01-restored.vmdk"
					found := false
					for _, c := range copied {
						found = found || c == want
					}
					if !found {
						return fmt.Errorf("no disk copy %q; copies: %v", want, copied)
					}
					v := h.VM(ctx, "web-01-restored")
					var disks []string
					for _, d := range v.Config.Hardware.Device {
						if vd, ok := d.(*types.VirtualDisk); ok {
							if b, ok := vd.Backing.(types.BaseVirtualDeviceFileBackingInfo); ok {
								disks = append(disks, b.GetVirtualDeviceFileBackingInfo().FileName)
							}
						}
					}
					if len(disks) != 1 || disks[0] != "[LocalDS_0] web-01-restored/web-01-restored.vmdk" {
						return fmt.Errorf("restored VM's disks: %v", disks)
					}
					if acctest.ExtraConfig(v)["ceso.restored-from"] != id {
						return fmt.Errorf("restored VM does not record its backup: %v", acctest.ExtraConfig(v))
					}
					return noSnapshots(h)
				},
			},
			{
				Config:           base,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{ // by manifest path, keeping the backed-up NIC
				Config: base + byPath,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("ceso_vm.by_path", tfjsonpath.New("mac_addresses"), knownvalue.ListSizeExact(1)),
					statecheck.ExpectKnownValue("ceso_vm.by_path", tfjsonpath.New("memory_mb"), knownvalue.Int64Exact(3072)),
				},
			},
			{
				Config:      base + byPath + over,
				ExpectError: acctest.ErrorMatching("never restores over an existing one"),
			},
			{ // nothing was touched by the refused restore
				Config: base + byPath,
				Check: func(*terraform.State) error {
					if v := h.VM(context.Background(), "web-01"); strings.Contains(fmt.Sprint(acctest.ExtraConfig(v)), "restored-from") {
						return fmt.Errorf("the source VM was restored over")
					}
					return nil
				},
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
		},
	})
}
