package provider_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/acctest"
	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
)

// twoDiskVM is a running VM with the template's disk and a second one.
func twoDiskVM(name string) string {
	return fmt.Sprintf(`
resource "ceso_vm" "src" {
  name        = %q
  template    = "ceso-template"
  power_state = "on"
  disk {}
  disk {
    size_gb = 1
  }
}
`, name)
}

func backupRes(extra string) string {
	return fmt.Sprintf(`
resource "ceso_backup" "b" {
  vm                = ceso_vm.src.id
  destination       = %q
  retain_on_destroy = false # the leak checks expect destroy to remove the backup
  %s
}
`, backupDest, extra)
}

// catalogOf lists every backup of a VM on the destination, whatever its status.
func catalogOf(vmName string, dependsOnBackup bool) string {
	dep := ""
	if dependsOnBackup {
		dep = "depends_on = [ceso_backup.b]"
	}
	return fmt.Sprintf(`
data "ceso_backups" "all" {
  destination = %q
  vm_name     = %q
  %s
}
`, backupDest, vmName, dep)
}

// onBackupCopy runs fn for the nth disk copy (1-based) into the backup destination.
func onBackupCopy(h *acctest.Host, n int64, fn func() types.BaseMethodFault) {
	var seen atomic.Int64
	h.AddHook(func(_ *simulator.Context, m *simulator.Method) types.BaseMethodFault {
		if m.Name != "CopyVirtualDisk_Task" {
			return nil
		}
		req, ok := m.Body.(*types.CopyVirtualDisk_Task)
		if !ok || !strings.Contains(req.DestName, "] backups/") {
			return nil
		}
		if seen.Add(1) == n {
			return fn()
		}
		return nil
	})
}

// vmAct does something to a VM as another client would.
func vmAct(h *acctest.Host, name string, fn func(ctx context.Context, v *object.VirtualMachine, dc *object.Datacenter, c *object.FileManager) error) error {
	ctx := context.Background()
	c, err := h.Client(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = c.Logout(ctx) }()
	f := find.NewFinder(c.Client, true)
	dc, err := f.DefaultDatacenter(ctx)
	if err != nil {
		return err
	}
	v, err := f.SetDatacenter(dc).VirtualMachine(ctx, name)
	if err != nil {
		return err
	}
	return fn(ctx, v, dc, object.NewFileManager(c.Client))
}

func wait(ctx context.Context, task *object.Task, err error) error {
	if err != nil {
		return err
	}
	return task.Wait(ctx)
}

// noLeaksSince checks that nothing is left on the host that was not there before.
func noLeaksSince(h *acctest.Host, before acctest.HostContents) resource.TestCheckFunc {
	return func(*terraform.State) error {
		if l := acctest.Leaks(before, h.Contents(context.Background())); len(l) > 0 {
			return fmt.Errorf("left on the host: %v", l)
		}
		return nil
	}
}

// The destination fills up during the second disk's copy: a clear error,
// no snapshot left, the partial copies gone, the catalog shows a failed
// backup and no good one; the next apply makes a good backup.
func TestAccBackup_chaosDestinationFull(t *testing.T) {
	h := acctest.StartHost(t, simhost.Options{})
	before := h.Contents(context.Background())
	p := h.ProviderConfig(unrestricted)
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             noLeaksSince(h, before),
		Steps: []resource.TestStep{
			{Config: p + twoDiskVM("full-01")},
			{
				PreConfig: func() {
					onBackupCopy(h, 2, func() types.BaseMethodFault { return &types.NoDiskSpace{Datastore: "LocalDS_0"} })
				},
				Config:      p + twoDiskVM("full-01") + backupRes(""),
				ExpectError: acctest.ErrorMatching("Backup Failed", "backup of VM full-01 failed", "datastore is full", "partial copies were removed"),
			},
			{
				PreConfig: h.ClearHooks,
				Config:    p + twoDiskVM("full-01") + catalogOf("full-01", false),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.ceso_backups.all", tfjsonpath.New("backups"), knownvalue.ListSizeExact(1)),
					statecheck.ExpectKnownValue("data.ceso_backups.all", tfjsonpath.New("backups").AtSliceIndex(0).AtMapKey("status"), knownvalue.StringExact("failed")),
					statecheck.ExpectKnownValue("data.ceso_backups.all", tfjsonpath.New("backups").AtSliceIndex(0).AtMapKey("error"),
						knownvalue.StringRegexp(backupFailedPattern)),
				},
				Check: func(*terraform.State) error {
					if err := noSnapshots(h); err != nil {
						return err
					}
					f, err := backupFolders(h, "full-01")
					if err != nil {
						return err
					}
					for id, files := range f {
						if strings.Join(files, " ") != "manifest.json" {
							return fmt.Errorf("failed backup %s holds %v; want only its manifest", id, files)
						}
					}
					return nil
				},
			},
			{
				Config: p + twoDiskVM("full-01") + backupRes("") + catalogOf("full-01", true),
				ConfigStateChecks: []statecheck.StateCheck{
					// The failed attempt was removed after the good backup.
					statecheck.ExpectKnownValue("data.ceso_backups.all", tfjsonpath.New("backups"), knownvalue.ListSizeExact(1)),
					statecheck.ExpectKnownValue("data.ceso_backups.all", tfjsonpath.New("backups").AtSliceIndex(0).AtMapKey("status"), knownvalue.StringExact("complete")),
					statecheck.ExpectKnownValue("data.ceso_backups.all", tfjsonpath.New("backups").AtSliceIndex(0).AtMapKey("disks"), knownvalue.Int64Exact(2)),
				},
				Check: func(*terraform.State) error { return noSnapshots(h) },
			},
		},
	})
}

// The VM is powered off and on while its disks are copied: the snapshot
// survives that, the backup is good, and the snapshot is removed.
func TestAccBackup_chaosPowerCycleDuringBackup(t *testing.T) {
	h := acctest.StartHost(t, simhost.Options{})
	before := h.Contents(context.Background())
	p := h.ProviderConfig(unrestricted)
	var cycled atomic.Bool
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             noLeaksSince(h, before),
		Steps: []resource.TestStep{
			{Config: p + twoDiskVM("cycle-01")},
			{
				PreConfig: func() {
					onBackupCopy(h, 2, func() types.BaseMethodFault {
						err := vmAct(h, "cycle-01", func(ctx context.Context, v *object.VirtualMachine, _ *object.Datacenter, _ *object.FileManager) error {
							task, err := v.PowerOff(ctx)
							if err := wait(ctx, task, err); err != nil {
								return err
							}
							task, err = v.PowerOn(ctx)
							return wait(ctx, task, err)
						})
						if err != nil {
							t.Errorf("power cycle: %v", err)
						}
						cycled.Store(true)
						return nil
					})
				},
				Config: p + twoDiskVM("cycle-01") + backupRes("") + catalogOf("cycle-01", true),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("ceso_backup.b", tfjsonpath.New("status"), knownvalue.StringExact("complete")),
					statecheck.ExpectKnownValue("data.ceso_backups.all", tfjsonpath.New("backups"), knownvalue.ListSizeExact(1)),
				},
				Check: func(*terraform.State) error {
					if !cycled.Load() {
						return fmt.Errorf("the VM was not power cycled during the backup")
					}
					return noSnapshots(h)
				},
			},
		},
	})
}

// The provider is killed during a backup, after the snapshot and part of
// the copy (simulated: the snapshot and a folder with one copied disk and
// no manifest, as a dead process leaves them). The catalog never lists it
// as good; the next backup of the VM removes both and makes a good one.
func TestAccBackup_chaosKilledDuringBackup(t *testing.T) {
	h := acctest.StartHost(t, simhost.Options{})
	before := h.Contents(context.Background())
	p := h.ProviderConfig(unrestricted)
	const deadID = "20260101T000000Z-dead"
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             noLeaksSince(h, before),
		Steps: []resource.TestStep{
			{Config: p + twoDiskVM("crash-01")},
			{
				PreConfig: func() {
					err := vmAct(h, "crash-01", func(ctx context.Context, v *object.VirtualMachine, dc *object.Datacenter, fm *object.FileManager) error {
						task, err := v.CreateSnapshot(ctx, "ceso-backup-"+deadID, "", false, false)
						if err := wait(ctx, task, err); err != nil {
							return err
						}
						dir := "[LocalDS_0] backups/crash-01/" + deadID
						if err := fm.MakeDirectory(ctx, dir, dc, true); err != nil {
							return err
						}
						task, err = object.NewVirtualDiskManager(v.Client()).CopyVirtualDisk(ctx, "[LocalDS_0] crash-01/crash-01.vmdk", dc, dir+"/crash-01.vmdk", dc, nil, false)
						return wait(ctx, task, err)
					})
					if err != nil {
						t.Fatalf("simulate the killed backup: %v", err)
					}
				},
				Config: p + twoDiskVM("crash-01") + catalogOf("crash-01", false),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.ceso_backups.all", tfjsonpath.New("backups"), knownvalue.ListSizeExact(1)),
					statecheck.ExpectKnownValue("data.ceso_backups.all", tfjsonpath.New("backups").AtSliceIndex(0).AtMapKey("id"), knownvalue.StringExact(deadID)),
					statecheck.ExpectKnownValue("data.ceso_backups.all", tfjsonpath.New("backups").AtSliceIndex(0).AtMapKey("status"), knownvalue.StringExact("incomplete")),
				},
			},
			{
				Config: p + twoDiskVM("crash-01") + backupRes("") + catalogOf("crash-01", true),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.ceso_backups.all", tfjsonpath.New("backups"), knownvalue.ListSizeExact(1)),
					statecheck.ExpectKnownValue("data.ceso_backups.all", tfjsonpath.New("backups").AtSliceIndex(0).AtMapKey("status"), knownvalue.StringExact("complete")),
				},
				Check: func(*terraform.State) error {
					if err := noSnapshots(h); err != nil {
						return err
					}
					f, err := backupFolders(h, "crash-01")
					if err != nil {
						return err
					}
					if _, left := f[deadID]; left || len(f) != 1 {
						return fmt.Errorf("backup folders after the next run: %v", folderIDs(f))
					}
					return nil
				},
			},
		},
	})
}

var backupFailedPattern = regexp.MustCompile(`(?s)copy disk .*full`)
