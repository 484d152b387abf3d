package provider_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

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

// writeISO writes size bytes of recognisable data to dir/name.
func writeISO(t *testing.T, dir, name string, size int, fill string) string {
	t.Helper()
	b := []byte(strings.Repeat(fill, size/len(fill)+1))[:size]
	if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
		t.Fatal(err)
	}
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// datastoreFiles lists the host's files under folder of LocalDS_0.
func datastoreFiles(h *acctest.Host, folder string) ([]string, error) {
	all, err := h.Files()
	if err != nil {
		return nil, err
	}
	var out []string
	for _, f := range all {
		if rest, ok := strings.CutPrefix(filepath.ToSlash(f), "ha-datacenter-LocalDS_0/"+folder+"/"); ok {
			out = append(out, rest)
		}
	}
	return out, nil
}

func cdromISO(h *acctest.Host, vmName string) string {
	for _, d := range h.VM(context.Background(), vmName).Config.Hardware.Device {
		if cd, ok := d.(*types.VirtualCdrom); ok {
			if b, ok := cd.Backing.(*types.VirtualCdromIsoBackingInfo); ok {
				return b.FileName
			}
		}
	}
	return ""
}

// TestAccDatastoreFile_lifecycle uploads a local file and one served on
// 127.0.0.1, points a VM's CD-ROM at one, re-plans nothing, imports,
// replaces on a new source and deletes: each checked on the host.
func TestAccDatastoreFile_lifecycle(t *testing.T) {
	h := acctest.StartHost(t, simhost.Options{})
	dir := t.TempDir()
	sum1 := writeISO(t, dir, "seed-v1.iso", 200_000, "ceso seed v1 ")
	sum2 := writeISO(t, dir, "seed-v2.iso", 150_000, "ceso seed v2 ")
	base := serveDir(t, dir)
	cfg := func(local, sum string) string {
		return h.ProviderConfig(unrestricted) + fmt.Sprintf(`
resource "ceso_datastore_file" "seed" {
  path          = "[LocalDS_0] isos/seed.iso"
  source        = %q
  source_sha256 = %q
}

resource "ceso_datastore_file" "remote" {
  path   = "[LocalDS_0] isos/remote/seed.iso"
  source = "%s/seed-v1.iso"
}

resource "ceso_vm" "installer" {
  name     = "installer"
  template = "ceso-template"
  cdrom    = ceso_datastore_file.seed.path
}
`, filepath.Join(dir, local), sum, base)
	}
	expect := func(want ...string) func(*terraform.State) error {
		return func(*terraform.State) error {
			got, err := datastoreFiles(h, "isos")
			if err != nil {
				return err
			}
			if !slices.Equal(got, want) {
				return fmt.Errorf("files in [LocalDS_0] isos = %v, want %v", got, want)
			}
			return nil
		}
	}
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             expect(),
		Steps: []resource.TestStep{
			{ // a missing source fails at plan
				Config: cfg("gone.iso", sum1), PlanOnly: true,
				ExpectError: acctest.ErrorMatching("Source File Not Found", "gone.iso"),
			},
			{ // and so does an unknown datastore
				Config: strings.Replace(cfg("seed-v1.iso", sum1), "[LocalDS_0] isos/remote/seed.iso", "[nope] seed.iso", 1), PlanOnly: true,
				ExpectError: acctest.ErrorMatching("Datastore Not Found", "nope"),
			},
			{ // restricted mode: refused at apply, before anything reaches the datastore
				Config:      strings.Replace(cfg("seed-v1.iso", sum1), unrestricted, `mode = "restricted"`, 1),
				ExpectError: acctest.ErrorMatching("Refused", "file_upload"),
			},
			{
				Config: cfg("seed-v1.iso", sum1),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("ceso_datastore_file.seed", tfjsonpath.New("size"), knownvalue.Int64Exact(200_000)),
					statecheck.ExpectKnownValue("ceso_datastore_file.seed", tfjsonpath.New("sha256"), knownvalue.StringExact(sum1)),
					statecheck.ExpectKnownValue("ceso_datastore_file.seed", tfjsonpath.New("datastore"), knownvalue.StringExact("LocalDS_0")),
					statecheck.ExpectKnownValue("ceso_datastore_file.remote", tfjsonpath.New("sha256"), knownvalue.StringExact(sum1)),
					acctest.HostCheck(func() error {
						if iso := cdromISO(h, "installer"); iso != "[LocalDS_0] isos/seed.iso" {
							return fmt.Errorf("the VM's CD-ROM holds %q", iso)
						}
						return expect("remote/seed.iso", "seed.iso")(nil)
					}),
				},
			},
			{Config: cfg("seed-v1.iso", sum1), ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}},
			{
				ResourceName: "ceso_datastore_file.seed", ImportState: true, ImportStateVerify: true, ImportStateId: "[LocalDS_0] isos/seed.iso",
				ImportStateVerifyIgnore: []string{"source", "source_sha256", "sha256", "timeouts"},
			},
			{
				Config: cfg("seed-v2.iso", sum2),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("ceso_datastore_file.seed", plancheck.ResourceActionDestroyBeforeCreate)}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("ceso_datastore_file.seed", tfjsonpath.New("size"), knownvalue.Int64Exact(150_000)),
					acctest.HostCheck(func() error {
						b, err := os.ReadFile(filepath.Join(mustDir(h), "ha-datacenter-LocalDS_0", "isos", "seed.iso"))
						if err != nil || !strings.HasPrefix(string(b), "ceso seed v2") || len(b) != 150_000 {
							return fmt.Errorf("the file on the host is not the new source (%d bytes, %w)", len(b), err)
						}
						return nil
					}),
				},
			},
			{ // a checksum mismatch keeps nothing, not even a temporary file (CheckDestroy looks)
				Config:      strings.Replace(cfg("seed-v2.iso", sum1), `"[LocalDS_0] isos/seed.iso"`, `"[LocalDS_0] isos/other.iso"`, 1),
				ExpectError: acctest.ErrorMatching("Checksum Mismatch", sum2),
			},
		},
	})
}

func mustDir(h *acctest.Host) string {
	d, err := h.Dir()
	if err != nil {
		panic(err)
	}
	return d
}
