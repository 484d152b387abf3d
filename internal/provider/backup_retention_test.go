package provider_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/esxi-commander/terraform-provider-ceso/internal/acctest"
	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
)

// plantOlderBackups copies the manifest of the backup id of vmName into new
// folders dated one to n days before it, each a complete backup of the same
// VM as far as the catalog can tell (a manifest is all retention reads), so
// a test has a history without waiting days. It returns the planted ids,
// newest first.
func plantOlderBackups(t *testing.T, h *acctest.Host, vmName, id string, n int) []string {
	t.Helper()
	root, err := h.Dir()
	if err != nil {
		t.Fatal(err)
	}
	files, err := h.Files()
	if err != nil {
		t.Fatal(err)
	}
	var src string
	for _, f := range files {
		if strings.HasSuffix(f, "/backups/"+vmName+"/"+id+"/manifest.json") {
			src = filepath.Join(root, f)
		}
	}
	if src == "" {
		t.Fatalf("no manifest of backup %s among %v", id, files)
	}
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for k := 1; k <= n; k++ {
		var m map[string]any
		var fields struct {
			Started time.Time `json:"started"`
			Dir     string    `json:"dir"`
		}
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, &fields); err != nil {
			t.Fatal(err)
		}
		started := fields.Started
		at := started.Add(-time.Duration(k) * 24 * time.Hour)
		nid := at.UTC().Format("20060102T150405Z") + fmt.Sprintf("-%04x", k)
		m["id"], m["started"], m["finished"] = nid, at.Format(time.RFC3339Nano), at.Add(time.Minute).Format(time.RFC3339Nano)
		m["dir"] = strings.TrimSuffix(fields.Dir, id) + nid
		out, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		dir := filepath.Join(filepath.Dir(filepath.Dir(src)), nid)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "manifest.json"), out, 0o644); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, nid)
	}
	return ids
}

// TestAccBackup_retentionGFS: keep beside retention.keep_last fails the
// plan; a history of a backup a day for five days is planted behind the
// first backup; in standard mode the next backup, whose retention would
// prune, is refused before it starts (nothing made, nothing removed); in
// unrestricted mode it prunes exactly what keep_last = 1, keep_daily = 3
// lets go.
func TestAccBackup_retentionGFS(t *testing.T) {
	h := acctest.StartHost(t, simhost.Options{})
	cfg := func(mode string, run int, retention string) string {
		return h.ProviderConfig(mode) + backupVM("gfs-01") + fmt.Sprintf(`
resource "ceso_backup" "b" {
  vm          = ceso_vm.src.id
  destination = %q
  triggers = {
    run = "%d"
  }
  %s
}
`, backupDest, run, retention)
	}
	const gfs = `retention {
    keep_last  = 1
    keep_daily = 3
  }`
	var first string
	var planted []string
	folders := func() []string {
		f, err := backupFolders(h, "gfs-01")
		if err != nil {
			t.Fatal(err)
		}
		return folderIDs(f)
	}
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: cfg(unrestricted, 1, `keep = 2
  retention {
    keep_last = 3
  }`),
				ExpectError: regexp.MustCompile(`(?s)Invalid Attribute Combination.*keep.*retention\.keep_last`),
			},
			{
				Config: cfg(unrestricted, 1, ""),
				Check: func(s *terraform.State) error {
					first = stateAttr(s, "ceso_backup.b", "id")
					planted = plantOlderBackups(t, h, "gfs-01", first, 5)
					return nil
				},
			},
			{
				Config:      cfg(`mode = "standard"`, 2, gfs),
				ExpectError: acctest.ErrorMatching("Elevation Required For Destructive Change", "backup_prune"),
			},
			{
				PreConfig: func() {
					want := append([]string{first}, planted...)
					sort.Strings(want)
					if diff := cmp.Diff(want, folders()); diff != "" {
						t.Errorf("the refused backup changed the folders (-want +got):\n%s", diff)
					}
				},
				Config: cfg(unrestricted, 2, gfs),
				Check: func(s *terraform.State) error {
					second := stateAttr(s, "ceso_backup.b", "id")
					// The newest of today (the new backup), then of the two
					// days before it. Only if midnight UTC fell between the
					// two real backups is the first one a day's newest.
					want := []string{second, planted[0], planted[1]}
					if first[:8] != second[:8] {
						want = []string{second, first, planted[0]}
					}
					sort.Strings(want)
					if diff := cmp.Diff(want, folders()); diff != "" {
						return fmt.Errorf("after retention the folders are (-want +got):\n%s", diff)
					}
					return noSnapshots(h)
				},
			},
			{ // the retention block plans no change once applied
				Config:   cfg(unrestricted, 2, gfs),
				PlanOnly: true,
			},
		},
	})
}
