package provider_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/acctest"
	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
)

// threeDiskVM is a running VM with the template's disk and two more.
func threeDiskVM(name string) string {
	return fmt.Sprintf(`
resource "ceso_vm" "src" {
  name        = %q
  template    = "ceso-template"
  power_state = "on"
  disk {
    unit_number = 0
  }
  disk {
    unit_number = 1
    size_gb     = 1
  }
  disk {
    unit_number = 2
    size_gb     = 2
  }
}
`, name)
}

// setDiskMode switches a VM's disk at unit to mode, behind Terraform's back.
func setDiskMode(h *acctest.Host, vmName string, unit int32, mode types.VirtualDiskMode) {
	ctx := context.Background()
	for _, d := range h.VM(ctx, vmName).Config.Hardware.Device {
		disk, ok := d.(*types.VirtualDisk)
		if !ok || disk.UnitNumber == nil || *disk.UnitNumber != unit {
			continue
		}
		if b, ok := disk.Backing.(*types.VirtualDiskFlatVer2BackingInfo); ok {
			b.DiskMode = string(mode)
		}
		h.Reconfigure(ctx, vmName, types.VirtualMachineConfigSpec{DeviceChange: []types.BaseVirtualDeviceConfigSpec{
			&types.VirtualDeviceConfigSpec{Operation: types.VirtualDeviceConfigSpecOperationEdit, Device: disk}}})
	}
}

// readManifest downloads a backup's manifest from the datastore through the
// host's API.
func readManifest(h *acctest.Host, manifestPath string) (map[string]any, error) {
	ctx := context.Background()
	c, err := h.Client(ctx)
	if err != nil {
		return nil, err
	}
	defer func() { _ = c.Logout(ctx) }()
	f := find.NewFinder(c.Client, true)
	dc, err := f.DefaultDatacenter(ctx)
	if err != nil {
		return nil, err
	}
	ds, rel, _ := strings.Cut(strings.TrimPrefix(manifestPath, "["), "] ")
	store, err := f.SetDatacenter(dc).Datastore(ctx, ds)
	if err != nil {
		return nil, err
	}
	r, _, err := store.Download(ctx, rel, &soap.DefaultDownload)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	return m, json.Unmarshal(b, &m)
}

const restoredVM = `
resource "ceso_vm" "restored" {
  name        = "multi-01-restored"
  backup      = ceso_backup.b.id
  power_state = "off"
}
`

const restoreOverSrc = `
resource "ceso_restore" "r" {
  vm        = ceso_vm.src.id
  backup    = ceso_backup.b.id
  power_off = true
}
`

// TestAccBackup_leftOutDisks backs up a VM with an independent disk: refused
// without skip_independent_disks (the error says to set it), then backed up
// with it and with a second disk named in exclude_disks. The manifest on
// the datastore records both, the folder holds no copy of them, a name that
// matches no disk fails the plan, an import recovers the settings, and a
// restore into a new VM or in place makes the left-out disks again, empty.
func TestAccBackup_leftOutDisks(t *testing.T) {
	t.Run("esx", func(t *testing.T) { testLeftOutDisks(t, simhost.Options{}) })
	t.Run("vpx", func(t *testing.T) { testLeftOutDisks(t, simhost.Options{VCenter: true}, `datacenter = "DC0"`) })
}

func testLeftOutDisks(t *testing.T, opts simhost.Options, extra ...string) {
	h := acctest.StartHost(t, opts)
	base := h.ProviderConfig(append([]string{unrestricted}, extra...)...) + threeDiskVM("multi-01")
	withBackup := func(args string) string {
		return base + fmt.Sprintf(`
resource "ceso_backup" "b" {
  vm          = ceso_vm.src.id
  destination = %q
%s
}
data "ceso_backups" "all" {
  destination = %q
  depends_on  = [ceso_backup.b]
}
`, backupDest, args, backupDest)
	}
	good := withBackup(`  skip_independent_disks = true
  exclude_disks          = ["scsi:0:1"]`)
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: base,
				Check: func(*terraform.State) error {
					setDiskMode(h, "multi-01", 2, types.VirtualDiskModeIndependent_persistent)
					return nil
				},
			},
			{ // refused whole, and the error suggests the flag
				Config:      withBackup(""),
				ExpectError: acctest.ErrorMatching("Independent Disks Cannot Be Backed Up", "scsi:0:2", "skip_independent_disks = true"),
			},
			{ // a name that matches no disk fails the plan, listing the disks
				Config:      withBackup(`  skip_independent_disks = true` + "\n" + `  exclude_disks = ["Hard disk 9"]`),
				PlanOnly:    true,
				ExpectError: acctest.ErrorMatching("exclude_disks", "Hard disk 9", "scsi:0:0", "scsi:0:1", "scsi:0:2"),
			},
			{
				Config: good,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("ceso_backup.b", tfjsonpath.New("status"), knownvalue.StringExact("complete")),
					statecheck.ExpectKnownValue("ceso_backup.b", tfjsonpath.New("skipped_disks"),
						knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("scsi:0:1"), knownvalue.StringExact("scsi:0:2")})),
					statecheck.ExpectKnownValue("data.ceso_backups.all", tfjsonpath.New("backups").AtSliceIndex(0).AtMapKey("skipped_disks"), knownvalue.Int64Exact(2)),
					statecheck.ExpectKnownValue("data.ceso_backups.all", tfjsonpath.New("backups").AtSliceIndex(0).AtMapKey("disks"), knownvalue.Int64Exact(1)),
				},
				Check: func(s *terraform.State) error {
					id := stateAttr(s, "ceso_backup.b", "id")
					f, err := backupFolders(h, "multi-01")
					if err != nil {
						return err
					}
					if got := strings.Join(f[id], " "); got != "manifest.json multi-01-flat.vmdk multi-01.nvram multi-01.vmdk multi-01.vmx" {
						return fmt.Errorf("backup %s holds %q; want no copy of the left-out disks", id, got)
					}
					m, err := readManifest(h, stateAttr(s, "ceso_backup.b", "manifest_path"))
					if err != nil {
						return err
					}
					skipped, _ := m["skipped_disks"].([]any)
					var got []string
					for _, x := range skipped {
						d, _ := x.(map[string]any)
						got = append(got, fmt.Sprintf("%s:%v:%v %v %v", d["controller"], d["bus"], d["unit"], d["reason"], d["capacity_bytes"]))
					}
					if want := "scsi:0:1 excluded 1.073741824e+09, scsi:0:2 independent 2.147483648e+09"; strings.Join(got, ", ") != want {
						return fmt.Errorf("manifest skipped_disks = %q, want %q", strings.Join(got, ", "), want)
					}
					return noSnapshots(h)
				},
			},
			{ // second apply plans nothing
				Config:           good,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{ // import recovers exclude_disks and skip_independent_disks from the manifest
				ResourceName: "ceso_backup.b", ImportState: true, ImportStateVerify: true,
				ImportStateVerifyIgnore: []string{"timeouts", "retain_on_destroy"},
			},
			{ // a restore into a new VM makes the left-out disks again, empty, with their size
				PreConfig: h.ResetMethods,
				Config:    good + restoredVM,
				Check: func(*terraform.State) error {
					var got []string
					for _, d := range h.VM(context.Background(), "multi-01-restored").Config.Hardware.Device {
						if disk, ok := d.(*types.VirtualDisk); ok {
							b, _ := disk.Backing.(*types.VirtualDiskFlatVer2BackingInfo)
							got = append(got, fmt.Sprintf("%d %s %d", *disk.UnitNumber, b.DiskMode, disk.CapacityInKB>>20))
						}
					}
					sort.Strings(got)
					if want := "0 persistent 1, 1 persistent 1, 2 independent_persistent 2"; strings.Join(got, ", ") != want {
						return fmt.Errorf("restored VM's disks %q, want %q", strings.Join(got, ", "), want)
					}
					if c, n := h.CountMethod("CopyVirtualDisk_Task"), h.CountMethod("CreateVirtualDisk_Task"); c != 1 || n != 2 {
						return fmt.Errorf("restore made %d copies and %d new disks; want 1 and 2", c, n)
					}
					return nil
				},
			},
			{
				Config:           good + restoredVM,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{ // and so does a restore in place: the left-out disks are replaced by empty ones
				Config: good + restoredVM + restoreOverSrc,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectKnownValue("ceso_restore.r", tfjsonpath.New("overwritten_disks"), knownvalue.ListSizeExact(3)),
					plancheck.ExpectKnownValue("ceso_restore.r", tfjsonpath.New("empty_disks"), knownvalue.ListExact([]knownvalue.Check{
						knownvalue.StringRegexp(regexp.MustCompile(`\(scsi:0:1, 1\.0 GiB\)$`)), knownvalue.StringRegexp(regexp.MustCompile(`\(scsi:0:2, 2\.0 GiB\)$`))})),
				}},
				Check: func(*terraform.State) error {
					var got []string
					for _, d := range h.VM(context.Background(), "multi-01").Config.Hardware.Device {
						if disk, ok := d.(*types.VirtualDisk); ok {
							b, _ := disk.Backing.(*types.VirtualDiskFlatVer2BackingInfo)
							if !strings.Contains(b.FileName, "multi-01-restore-") {
								return fmt.Errorf("disk %s was not replaced", b.FileName)
							}
							got = append(got, fmt.Sprintf("%d %s %d", *disk.UnitNumber, b.DiskMode, disk.CapacityInKB>>20))
						}
					}
					sort.Strings(got)
					if want := "0 persistent 1, 1 persistent 1, 2 independent_persistent 2"; strings.Join(got, ", ") != want {
						return fmt.Errorf("disks after the restore in place %q, want %q", strings.Join(got, ", "), want)
					}
					return nil
				},
			},
			{
				Config:           good + restoredVM + restoreOverSrc,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
		},
	})
}
