package provider_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/soap"

	"github.com/esxi-commander/terraform-provider-ceso/internal/acctest"
	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
)

// TestAccDatastoreFile_staleUpload: the temporary file a killed upload left
// beside its target (put there through the API, its lease run out) is
// removed by the next upload of that path through the guard, as
// adopt_existing: standard mode refuses it, so the file stays with a
// warning and the upload goes on; unrestricted mode removes it. A file of a
// similar name that is not of ceso's form is never touched. Every decision
// is in the audit file.
func TestAccDatastoreFile_staleUpload(t *testing.T) {
	testDatastoreFileStale(t, simhost.Options{}, "")
}

func TestAccDatastoreFile_staleUpload_vcenter(t *testing.T) {
	testDatastoreFileStale(t, simhost.Options{VCenter: true}, `datacenter = "DC0"`)
}

func testDatastoreFileStale(t *testing.T, opts simhost.Options, extra string) {
	h := acctest.StartHost(t, opts)
	dir := t.TempDir()
	sum := writeISO(t, dir, "seed.iso", 50_000, "seed ")
	auditFile := filepath.Join(t.TempDir(), "audit.jsonl")
	ctx := context.Background()
	ds := hostDatastore(t, h)
	past := time.Now().Add(-time.Hour).Unix()
	staleA := fmt.Sprintf("a.iso.ceso-upload-%d-0123456789abcdef", past)
	staleB := fmt.Sprintf("b.iso.ceso-upload-%d-0123456789abcdef", past)
	notOurs := "b.iso.ceso-upload-keep-me"
	plant := func() {
		c, err := h.Client(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = c.Logout(ctx) }()
		dc, err := find.NewFinder(c.Client).DefaultDatacenter(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := object.NewFileManager(c.Client).MakeDirectory(ctx, "[LocalDS_0] stale", dc, true); err != nil {
			t.Fatal(err)
		}
		for _, n := range []string{staleA, staleB, notOurs} {
			if err := ds.Upload(ctx, strings.NewReader("half"), "stale/"+n, &soap.Upload{ContentLength: 4, Method: "PUT"}); err != nil {
				t.Fatal(err)
			}
		}
	}
	files := func() []string {
		var out []string
		for _, n := range []string{"a.iso", "b.iso", staleA, staleB, notOurs} {
			if _, err := ds.Stat(ctx, "stale/"+n); err == nil {
				out = append(out, n)
			}
		}
		return out
	}
	cfg := func(mode string, names ...string) string {
		c := h.ProviderConfig(mode, extra, fmt.Sprintf("  audit_file = %q", auditFile))
		for _, n := range names {
			c += fmt.Sprintf(`
resource "ceso_datastore_file" %q {
  path          = "[LocalDS_0] stale/%s.iso"
  source        = %q
  source_sha256 = %q
}
`, n, n, filepath.Join(dir, "seed.iso"), sum)
		}
		return c
	}
	expect := func(want ...string) func(*terraform.State) error {
		return func(*terraform.State) error {
			if got := files(); !slices.Equal(got, want) {
				return fmt.Errorf("files in [LocalDS_0] stale = %v, want %v", got, want)
			}
			return nil
		}
	}
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             expect(staleA, notOurs),
		Steps: []resource.TestStep{
			{ // standard mode: the removal is refused, the upload goes on
				PreConfig: plant,
				Config:    cfg(`mode = "standard"`, "a"),
				Check:     expect("a.iso", staleA, staleB, notOurs),
			},
			{
				Config: cfg(unrestricted, "a", "b"),
				Check:  expect("a.iso", "b.iso", staleA, notOurs),
			},
		},
	})
	var refused, allowed []string
	for _, r := range readAudit(t, auditFile) {
		if r["action"] != "adopt_existing" {
			continue
		}
		d, _ := r["details"].(map[string]any)
		switch {
		case r["kind"] == "outcome" && r["outcome"] == "refused":
			refused = append(refused, fmt.Sprint(d["path"]))
		case r["kind"] == "event":
			allowed = append(allowed, fmt.Sprint(d["path"]))
		}
	}
	if want := []string{"[LocalDS_0] stale/" + staleA}; !slices.Equal(refused, want) {
		t.Errorf("audited refusals %v, want %v", refused, want)
	}
	if want := []string{"[LocalDS_0] stale/" + staleB}; !slices.Equal(allowed, want) {
		t.Errorf("audited removals %v, want %v", allowed, want)
	}
}
