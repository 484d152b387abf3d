package provider_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/acctest"
	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
)

// vmFacts is what a restore in place must keep or change, read from the host.
type vmFacts struct {
	UUID, BIOSUUID string
	MACs           []string
	Disks          []string // file and capacity in KiB
	Power          string
}

func readFacts(h *acctest.Host, name string) vmFacts {
	v := h.VM(context.Background(), name)
	f := vmFacts{UUID: v.Config.InstanceUuid, BIOSUUID: v.Config.Uuid, Power: string(v.Runtime.PowerState)}
	for _, d := range v.Config.Hardware.Device {
		switch x := d.(type) {
		case *types.VirtualDisk:
			b, _ := x.Backing.(*types.VirtualDiskFlatVer2BackingInfo)
			f.Disks = append(f.Disks, fmt.Sprintf("%s %d", b.FileName, x.CapacityInKB))
		case types.BaseVirtualEthernetCard:
			f.MACs = append(f.MACs, x.GetVirtualEthernetCard().MacAddress)
		}
	}
	return f
}

// growDisk grows a VM's first disk behind Terraform's back: the change after
// the backup that a restore must undo.
func growDisk(h *acctest.Host, name string) {
	ctx := context.Background()
	for _, d := range h.VM(ctx, name).Config.Hardware.Device {
		if disk, ok := d.(*types.VirtualDisk); ok {
			disk.CapacityInKB *= 3
			disk.CapacityInBytes = disk.CapacityInKB * 1024
			h.Reconfigure(ctx, name, types.VirtualMachineConfigSpec{DeviceChange: []types.BaseVirtualDeviceConfigSpec{
				&types.VirtualDeviceConfigSpec{Operation: types.VirtualDeviceConfigSpecOperationEdit, Device: disk}}})
			return
		}
	}
}

func restoreConfig(name, args string) string {
	return fmt.Sprintf(`
resource "ceso_vm" "src" {
  name        = %q
  template    = "ceso-template"
  power_state = "on"
}
resource "ceso_backup" "b" {
  vm          = ceso_vm.src.id
  destination       = "[LocalDS_0] backups"
  retain_on_destroy = false
}
`, name) + args
}

const restoreRes = `
resource "ceso_restore" "r" {
  vm        = ceso_vm.src.id
  backup    = ceso_backup.b.id
  power_off = true
}
`

// TestAccRestore_inPlace restores a backup over the running VM it was made
// of, after its disk grew: the VM gets new disk files with the backed-up
// size, keeps its UUIDs and MAC addresses, runs again, and its old disk
// file is gone. A second plan is empty; destroying the restore leaves the
// VM alone.
func TestAccRestore_inPlace(t *testing.T) {
	t.Run("esx", func(t *testing.T) { testRestoreInPlace(t, simhost.Options{}) })
	t.Run("vpx", func(t *testing.T) { testRestoreInPlace(t, simhost.Options{VCenter: true}, `datacenter = "DC0"`) })
}

func testRestoreInPlace(t *testing.T, opts simhost.Options, extra ...string) {
	h := acctest.StartHost(t, opts)
	cfg := h.ProviderConfig(append([]string{unrestricted}, extra...)...) + restoreConfig("db-01", "")
	var before vmFacts
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             vmGone(h, "db-01"),
		Steps: []resource.TestStep{
			{Config: cfg},
			{
				PreConfig: func() {
					before = readFacts(h, "db-01")
					growDisk(h, "db-01")
				},
				Config: cfg + restoreRes,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("ceso_restore.r", plancheck.ResourceActionCreate),
					plancheck.ExpectKnownValue("ceso_restore.r", tfjsonpath.New("vm_name"), knownvalue.StringExact("db-01")),
					plancheck.ExpectKnownValue("ceso_restore.r", tfjsonpath.New("overwritten_disks"),
						knownvalue.ListExact([]knownvalue.Check{knownvalue.StringRegexp(regexp.MustCompile(`^.* \(scsi:0:0, \[LocalDS_0\] db-01/db-01\.vmdk\)$`))})),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("ceso_restore.r", tfjsonpath.New("disks"), knownvalue.ListSizeExact(1)),
					statecheck.ExpectKnownValue("ceso_restore.r", tfjsonpath.New("empty_disks"), knownvalue.ListSizeExact(0)),
				},
				Check: func(s *terraform.State) error {
					after := readFacts(h, "db-01")
					if after.UUID != before.UUID || after.BIOSUUID != before.BIOSUUID || strings.Join(after.MACs, ",") != strings.Join(before.MACs, ",") {
						return fmt.Errorf("identity changed: before %+v, after %+v", before, after)
					}
					if len(after.Disks) != 1 || !strings.Contains(after.Disks[0], "db-01-restore-") {
						return fmt.Errorf("disks after the restore: %q", after.Disks)
					}
					// The backed-up size is back (the disk had grown threefold).
					wantKB := before.Disks[0][strings.LastIndex(before.Disks[0], " ")+1:]
					if !strings.HasSuffix(after.Disks[0], " "+wantKB) {
						return fmt.Errorf("restored disk %q, want the backed-up capacity %s KiB", after.Disks[0], wantKB)
					}
					if after.Power != string(types.VirtualMachinePowerStatePoweredOn) {
						return fmt.Errorf("VM is %s after the restore; it ran before", after.Power)
					}
					files, err := h.Files()
					if err != nil {
						return err
					}
					for _, f := range files {
						if strings.HasSuffix(f, "/db-01/db-01.vmdk") || strings.HasSuffix(f, "/db-01/db-01-flat.vmdk") {
							return fmt.Errorf("the old disk file %s is still there", f)
						}
					}
					return noSnapshots(h)
				},
			},
			{ // second apply plans nothing
				Config:           cfg + restoreRes,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{ // forgetting the restore leaves the VM as it is
				Config: cfg,
				Check: func(*terraform.State) error {
					if d := readFacts(h, "db-01").Disks; len(d) != 1 || !strings.Contains(d[0], "db-01-restore-") {
						return fmt.Errorf("destroying ceso_restore changed the VM's disks: %q", d)
					}
					return nil
				},
			},
		},
	})
}

// In standard mode a restore over a VM is destructive: refused without a
// grant (the VM's disks stay as they are), done with one. Sets
// CESO_POLICY_FILE, so it does not run in parallel.
func TestAccRestore_needsGrant(t *testing.T) {
	ap := acctest.NewApprover(t, "unrestricted")
	h := acctest.StartHost(t, simhost.Options{})
	grant := ap.Grant("unrestricted", []string{"guarded-*"}, time.Now(), time.Hour)
	standard := h.ProviderConfig(`mode = "standard"`) + restoreConfig("guarded-02", "")
	elevated := h.ProviderConfig(`mode = "standard"`, fmt.Sprintf("elevation = %q", grant)) + restoreConfig("guarded-02", "")
	var before vmFacts
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{Config: standard},
			{
				PreConfig:   func() { before = readFacts(h, "guarded-02") },
				Config:      standard + restoreRes,
				ExpectError: acctest.ErrorMatching("Refused", "restore_over", "guarded-02"),
			},
			{ // nothing changed on the host
				Config: standard,
				Check: func(*terraform.State) error {
					after := readFacts(h, "guarded-02")
					if strings.Join(after.Disks, ",") != strings.Join(before.Disks, ",") || after.Power != before.Power {
						return fmt.Errorf("a refused restore changed the VM: before %+v, after %+v", before, after)
					}
					return nil
				},
			},
			{
				Config: elevated + restoreRes,
				Check: func(*terraform.State) error {
					if d := readFacts(h, "guarded-02").Disks; len(d) != 1 || !strings.Contains(d[0], "guarded-02-restore-") {
						return fmt.Errorf("disks after the granted restore: %q", d)
					}
					return nil
				},
			},
		},
	})
}
