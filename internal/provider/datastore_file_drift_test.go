package provider_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/soap"

	"github.com/esxi-commander/terraform-provider-ceso/internal/acctest"
	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
)

// hostDatastore returns LocalDS_0 of the host's only datacenter, through
// the API as any other client sees it, and a function to log out.
func hostDatastore(t *testing.T, h *acctest.Host) *object.Datastore {
	t.Helper()
	ctx := context.Background()
	c, err := h.Client(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Logout(context.Background()) })
	f := find.NewFinder(c.Client)
	dc, err := f.DefaultDatacenter(ctx)
	if err != nil {
		t.Fatal(err)
	}
	f.SetDatacenter(dc)
	ds, err := f.Datastore(ctx, "LocalDS_0")
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

// TestAccDatastoreFile_drift: a file changed on the datastore behind
// Terraform's back (through the API: same size, other bytes; then another
// size) is noticed at refresh from its size and modification time, without
// downloading it, and the next plan replaces it with the declared source.
func TestAccDatastoreFile_drift(t *testing.T) {
	testDatastoreFileDrift(t, simhost.Options{}, "")
}

func TestAccDatastoreFile_drift_vcenter(t *testing.T) {
	testDatastoreFileDrift(t, simhost.Options{VCenter: true}, `datacenter = "DC0"`)
}

func testDatastoreFileDrift(t *testing.T, opts simhost.Options, extra string) {
	h := acctest.StartHost(t, opts)
	dir := t.TempDir()
	sum := writeISO(t, dir, "seed.iso", 100_000, "declared ")
	declared, err := os.ReadFile(filepath.Join(dir, "seed.iso"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := h.ProviderConfig(unrestricted, extra) + fmt.Sprintf(`
resource "ceso_datastore_file" "seed" {
  path          = "[LocalDS_0] drift/seed.iso"
  source        = %q
  source_sha256 = %q
}
`, filepath.Join(dir, "seed.iso"), sum)
	ds := hostDatastore(t, h)
	ctx := context.Background()
	overwrite := func(b []byte) func() {
		return func() {
			if err := ds.Upload(ctx, bytes.NewReader(b), "drift/seed.iso", &soap.Upload{ContentLength: int64(len(b)), Method: "PUT"}); err != nil {
				t.Fatal(err)
			}
		}
	}
	var downloads int64
	// noDownloadSince checks that no /folder download happened since the
	// step began, then that the file holds the declared bytes again.
	restored := acctest.HostCheck(func() error {
		if n := h.FolderDownloads(); n != downloads {
			return fmt.Errorf("%d /folder downloads during refresh, plan and apply; a refresh must not read the file", n-downloads)
		}
		rc, _, err := ds.Download(ctx, "drift/seed.iso", &soap.DefaultDownload)
		if err != nil {
			return err
		}
		defer rc.Close()
		got, err := io.ReadAll(rc)
		if err != nil {
			return err
		}
		if !bytes.Equal(got, declared) {
			return fmt.Errorf("the file on the datastore is not the declared source (%d bytes, starts %q)", len(got), got[:min(12, len(got))])
		}
		return nil
	})
	replaced := resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
		plancheck.ExpectResourceAction("ceso_datastore_file.seed", plancheck.ResourceActionDestroyBeforeCreate)}}
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{Config: cfg},
			{Config: cfg, ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}},
			{ // same size, other bytes: the modification time tells
				PreConfig: func() {
					overwrite(bytes.Repeat([]byte("tampered "), 100_000/9+1)[:100_000])()
					downloads = h.FolderDownloads()
				},
				Config:            cfg,
				ConfigPlanChecks:  replaced,
				ConfigStateChecks: []statecheck.StateCheck{restored},
			},
			{Config: cfg, ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}},
			{ // another size
				PreConfig:         func() { overwrite([]byte("short"))(); downloads = h.FolderDownloads() },
				Config:            cfg,
				ConfigPlanChecks:  replaced,
				ConfigStateChecks: []statecheck.StateCheck{restored},
			},
		},
	})
}
