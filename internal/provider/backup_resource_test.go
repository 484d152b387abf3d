package provider_test

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/object"

	"github.com/esxi-commander/terraform-provider-ceso/internal/acctest"
	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
)

const backupDest = "[LocalDS_0] backups"

var backupIDPattern = regexp.MustCompile(`^[0-9]{8}T[0-9]{6}Z-[0-9a-f]{4}$`)

// backupVM is a running VM made from the template, to back up.
func backupVM(name string) string {
	return fmt.Sprintf(`
resource "ceso_vm" "src" {
  name        = %q
  template    = "ceso-template"
  power_state = "on"
}
`, name)
}

// backupFolders lists the backup folders of a VM on the simulated datastore
// and, for each, the files in it.
func backupFolders(h *acctest.Host, vmName string) (map[string][]string, error) {
	files, err := h.Files()
	if err != nil {
		return nil, err
	}
	out := map[string][]string{}
	marker := "/backups/" + vmName + "/"
	for _, f := range files {
		i := strings.Index(f, marker)
		if i < 0 {
			continue
		}
		rest := f[i+len(marker):]
		id, file, ok := strings.Cut(rest, "/")
		if ok {
			out[id] = append(out[id], file)
		}
	}
	return out, nil
}

func folderIDs(m map[string][]string) []string {
	ids := make([]string, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// noSnapshots checks that no VM on the host has a snapshot.
func noSnapshots(h *acctest.Host) error {
	if s := h.Contents(context.Background()).Snapshots; len(s) > 0 {
		return fmt.Errorf("VMs with snapshots left: %v", s)
	}
	return nil
}

// deleteBackupFolder removes a folder behind Terraform's back.
func deleteBackupFolder(t *testing.T, h *acctest.Host, dir string) {
	t.Helper()
	ctx := context.Background()
	c, err := h.Client(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Logout(ctx) }()
	dc, err := find.NewFinder(c.Client, true).DefaultDatacenter(ctx)
	if err != nil {
		t.Fatal(err)
	}
	task, err := object.NewFileManager(c.Client).DeleteDatastoreFile(ctx, dir, dc)
	if err == nil {
		err = task.Wait(ctx)
	}
	if err != nil {
		t.Fatalf("delete %s: %v", dir, err)
	}
}

func stateAttr(s *terraform.State, addr, attr string) string {
	if r, ok := s.RootModule().Resources[addr]; ok {
		return r.Primary.Attributes[attr]
	}
	return ""
}

func TestAccBackup_lifecycleRetentionCatalogImport(t *testing.T) {
	h := acctest.StartHost(t, simhost.Options{})
	cfg := func(run int, extra string) string {
		return h.ProviderConfig(unrestricted) + backupVM("web-01") + fmt.Sprintf(`
resource "ceso_backup" "nightly" {
  vm                = ceso_vm.src.id
  destination       = %q
  keep              = 2
  retain_on_destroy = true
  triggers = {
    run = "%d"
  }
}
%s
`, backupDest, run, extra)
	}
	catalog := `
data "ceso_backups" "web" {
  destination = "[LocalDS_0] backups"
  vm_name     = "web-01"
  status      = "complete"
  depends_on  = [ceso_backup.nightly]
}
`
	var ids []string
	record := func(s *terraform.State) error {
		ids = append(ids, stateAttr(s, "ceso_backup.nightly", "id"))
		return noSnapshots(h)
	}
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		// retain_on_destroy: destroying the configuration keeps the backups.
		CheckDestroy: func(*terraform.State) error {
			f, err := backupFolders(h, "web-01")
			if err != nil {
				return err
			}
			if len(f) != 2 {
				return fmt.Errorf("retain_on_destroy should keep the two backups; folders left: %v", f)
			}
			return nil
		},
		Steps: []resource.TestStep{
			{
				Config: cfg(1, ""),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("ceso_backup.nightly", tfjsonpath.New("id"), knownvalue.StringRegexp(backupIDPattern)),
					statecheck.ExpectKnownValue("ceso_backup.nightly", tfjsonpath.New("status"), knownvalue.StringExact("complete")),
					statecheck.ExpectKnownValue("ceso_backup.nightly", tfjsonpath.New("vm_name"), knownvalue.StringExact("web-01")),
					statecheck.ExpectKnownValue("ceso_backup.nightly", tfjsonpath.New("disk_format"), knownvalue.StringExact("thin")),
					statecheck.ExpectKnownValue("ceso_backup.nightly", tfjsonpath.New("verify"), knownvalue.StringExact("true")),
					statecheck.ExpectKnownValue("ceso_backup.nightly", tfjsonpath.New("files"), knownvalue.ListSizeExact(4)),
					statecheck.ExpectKnownValue("ceso_backup.nightly", tfjsonpath.New("manifest_path"),
						knownvalue.StringRegexp(regexp.MustCompile(`^\[LocalDS_0\] backups/web-01/[0-9T]+Z-[0-9a-f]{4}/manifest\.json$`))),
				},
				Check: func(s *terraform.State) error {
					if err := record(s); err != nil {
						return err
					}
					f, err := backupFolders(h, "web-01")
					if err != nil {
						return err
					}
					got := strings.Join(f[ids[0]], " ")
					if got != "manifest.json web-01-flat.vmdk web-01.nvram web-01.vmdk web-01.vmx" {
						return fmt.Errorf("backup %s holds %q", ids[0], got)
					}
					if n := h.CountMethod("RemoveSnapshot_Task"); n != 1 {
						return fmt.Errorf("RemoveSnapshot_Task called %d times", n)
					}
					return nil
				},
			},
			{ // second apply plans nothing
				Config:           cfg(1, ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{ // import by id: every argument comes back from the manifest
				ResourceName: "ceso_backup.nightly", ImportState: true, ImportStateVerify: true,
				ImportStateVerifyIgnore: []string{"timeouts", "retain_on_destroy"},
			},
			{ // and by manifest path
				ResourceName: "ceso_backup.nightly", ImportState: true, ImportStateVerify: true,
				ImportStateIdFunc: func(s *terraform.State) (string, error) {
					return stateAttr(s, "ceso_backup.nightly", "manifest_path"), nil
				},
				ImportStateVerifyIgnore: []string{"timeouts", "retain_on_destroy"},
			},
			{ // keep changes in place: no new backup
				Config: strings.Replace(cfg(1, ""), "keep              = 2", "keep              = 3", 1),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("ceso_backup.nightly", plancheck.ResourceActionUpdate)}},
			},
			{ // a new trigger makes a new backup; the old one is retained
				Config: cfg(2, ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("ceso_backup.nightly", plancheck.ResourceActionDestroyBeforeCreate)}},
				Check: record,
			},
			{ // the third backup with keep = 2 leaves two: the first is pruned
				Config: cfg(3, catalog),
				Check: func(s *terraform.State) error {
					if err := record(s); err != nil {
						return err
					}
					f, err := backupFolders(h, "web-01")
					if err != nil {
						return err
					}
					want := []string{ids[1], ids[2]}
					sort.Strings(want)
					if got := folderIDs(f); strings.Join(got, ",") != strings.Join(want, ",") {
						return fmt.Errorf("backup folders %v, want %v (the first, %s, pruned)", got, want, ids[0])
					}
					return nil
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.ceso_backups.web", tfjsonpath.New("backups"), knownvalue.ListSizeExact(2)),
					statecheck.ExpectKnownValue("data.ceso_backups.web", tfjsonpath.New("backups").AtSliceIndex(0).AtMapKey("status"), knownvalue.StringExact("complete")),
					statecheck.ExpectKnownValue("data.ceso_backups.web", tfjsonpath.New("backups").AtSliceIndex(0).AtMapKey("disks"), knownvalue.Int64Exact(1)),
					statecheck.ExpectKnownValue("data.ceso_backups.web", tfjsonpath.New("backups").AtSliceIndex(0).AtMapKey("ceso_version"), knownvalue.StringExact("test")),
				},
			},
			{
				Config:           cfg(3, catalog),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				ConfigStateChecks: []statecheck.StateCheck{
					// The catalog lists the newest first: the resource's own backup.
					statecheck.CompareValuePairs("data.ceso_backups.web", tfjsonpath.New("backups").AtSliceIndex(0).AtMapKey("id"),
						"ceso_backup.nightly", tfjsonpath.New("id"), compare.ValuesSame()),
				},
			},
		},
	})
}

func TestAccBackup_destroyRemovesTheFolder(t *testing.T) {
	h := acctest.StartHost(t, simhost.Options{})
	before := h.Contents(context.Background())
	cfg := h.ProviderConfig(unrestricted) + backupVM("db-01") + fmt.Sprintf(`
resource "ceso_backup" "once" {
  vm          = ceso_vm.src.id
  destination = %q
  disk_format = "thick"
  verify      = false
  retain_on_destroy = false
}
`, backupDest)
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy: func(*terraform.State) error {
			after := h.Contents(context.Background())
			if l := acctest.Leaks(before, after); len(l) > 0 {
				return fmt.Errorf("left on the host after destroy: %v", l)
			}
			return nil
		},
		Steps: []resource.TestStep{
			{
				Config: cfg,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("ceso_backup.once", tfjsonpath.New("status"), knownvalue.StringExact("complete")),
					statecheck.ExpectKnownValue("ceso_backup.once", tfjsonpath.New("size_bytes"), knownvalue.Int64Func(func(v int64) error {
						if v <= 0 {
							return fmt.Errorf("size_bytes = %d", v)
						}
						return nil
					})),
				},
				Check: func(s *terraform.State) error {
					f, err := backupFolders(h, "db-01")
					if err != nil {
						return err
					}
					if len(f) != 1 {
						return fmt.Errorf("backup folders: %v", f)
					}
					return noSnapshots(h)
				},
			},
			{Config: cfg, ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}},
			{ // deleted outside Terraform: the next plan makes a new backup
				PreConfig: func() {
					f, _ := backupFolders(h, "db-01")
					for id := range f {
						deleteBackupFolder(t, h, "[LocalDS_0] backups/db-01/"+id)
					}
				},
				Config:             cfg,
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
			},
		},
	})
}

// A standard-mode provider makes backups but refuses to delete one without
// a grant; the plan says so first.
func TestAccBackup_deleteIsDestructive(t *testing.T) {
	h := acctest.StartHost(t, simhost.Options{})
	vmCfg := h.ProviderConfig(unrestricted) + backupVM("app-01")
	bk := fmt.Sprintf(`
resource "ceso_backup" "b" {
  vm                = ceso_vm.src.id
  destination       = %q
  retain_on_destroy = false
}
`, backupDest)
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{Config: h.ProviderConfig(`mode = "standard"`) + backupVM("app-01") + bk},
			{
				Config:      h.ProviderConfig(`mode = "standard"`) + backupVM("app-01"),
				ExpectError: acctest.ErrorMatching("Refused"),
			},
			{Config: vmCfg}, // unrestricted: the backup goes
		},
	})
}
