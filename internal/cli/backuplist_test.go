package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/esxi-commander/terraform-provider-ceso/internal/backup"
	"github.com/esxi-commander/terraform-provider-ceso/internal/esxi"
	"github.com/esxi-commander/terraform-provider-ceso/internal/policy"
	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
	"github.com/esxi-commander/terraform-provider-ceso/internal/vm"
)

// listHost is a simulated host whose "[LocalDS_0] backups" holds two
// backups of web01 (the older one drilled ok), one of db01 (made after
// web01's, its drill failed), and the folder of an interrupted backup of
// gone01, which has no complete backup.
func listHost(t *testing.T) (h *simhost.Host, web, db *backup.Manifest) {
	t.Helper()
	h, err := simhost.Start(simhost.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.Close)
	ctx := t.Context()
	c, err := esxi.Connect(ctx, esxi.Config{Host: h.URL.String(), Username: h.Username, Password: h.Password, Insecure: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(context.Background())
	vms, bk := vm.New(c), backup.New(c, "test")
	backUp := func(name string, n int) *backup.Manifest {
		res, err := vms.Create(ctx, vm.Spec{Name: name, Template: simhost.TemplateName, Power: vm.PowerOn}, vm.Options{})
		if err != nil {
			t.Fatal(err)
		}
		var last *backup.Manifest
		for i := range n {
			b, err := bk.Backup(ctx, backup.Spec{VM: res.State.UUID, Destination: "[LocalDS_0] backups"})
			if err != nil {
				t.Fatal(err)
			}
			last = b.Manifest
			if name == "web01" && i == 0 {
				if _, err := bk.RecordDrill(ctx, last.Dir, backup.Drill{Result: backup.DrillOK, Finished: last.Finished}); err != nil {
					t.Fatal(err)
				}
			}
		}
		return last
	}
	web = backUp("web01", 2)
	db = backUp("db01", 1)
	if _, err := bk.RecordDrill(ctx, db.Dir, backup.Drill{Result: backup.DrillFailed, Reason: "the guest did not boot", Finished: db.Finished}); err != nil {
		t.Fatal(err)
	}
	files, err := h.Files()
	if err != nil {
		t.Fatal(err)
	}
	root, err := h.Dir()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if i := strings.Index(f, "/backups/web01/"); i >= 0 {
			if err := os.MkdirAll(filepath.Join(root, f[:i], "backups", "gone01", "20260101T000000Z-abcd"), 0o755); err != nil {
				t.Fatal(err)
			}
			break
		}
	}
	return h, web, db
}

func listEnv(h *simhost.Host) func(string) string {
	env := map[string]string{"CESO_HOST": h.URL.String(), "CESO_USERNAME": h.Username, "CESO_PASSWORD": h.Password, "CESO_INSECURE": "true"}
	return func(k string) string { return env[k] }
}

func TestBackupList(t *testing.T) {
	defer policy.SetSystemPathForTest(filepath.Join(t.TempDir(), "none.json"))()
	h, web, db := listHost(t)
	now := web.Started.Add(26 * time.Hour) // db01's backup is younger by the seconds between them
	list := func(args ...string) (string, string, int) {
		var out, errb bytes.Buffer
		code := runner{now: func() time.Time { return now }, getenv: listEnv(h)}.run(append([]string{"backup", "list"}, args...), &out, &errb)
		return out.String(), errb.String(), code
	}

	out, errs, code := list("[LocalDS_0] backups")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	norm := regexp.MustCompile(`[0-9]{8}T[0-9]{6}Z-[0-9a-f]{4}`).ReplaceAllString(out, "ID")
	norm = regexp.MustCompile(`[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z`).ReplaceAllString(norm, "TIME")
	norm = regexp.MustCompile(` +`).ReplaceAllString(norm, " ")
	want := "VM LAST COMPLETE BACKUP TIME (UTC) AGE SIZE BACKUPS OTHER DRILL\n" +
		"db01 ID TIME 1d 1h " + humanBytes(db.SizeBytes) + " 1 0 failed\n" +
		"gone01 - - - - 0 1 -\n" +
		"web01 ID TIME 1d 2h " + humanBytes(web.SizeBytes) + " 2 0 ok (ID)\n"
	t.Logf("table:\n%s", out)
	if norm != want {
		t.Errorf("table (normalised):\n%s\nwant:\n%s\nraw:\n%s", norm, want, out)
	}
	if !strings.Contains(out, web.ID) || !strings.Contains(out, db.ID) {
		t.Errorf("the table does not name the newest backups %s and %s:\n%s", web.ID, db.ID, out)
	}

	out, errs, code = list("--json", "[LocalDS_0] backups")
	if code != 0 {
		t.Fatalf("--json exit %d: %s", code, errs)
	}
	var rows []backupStatus
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	if len(rows) != 3 {
		t.Fatalf("rows %+v; want db01, gone01, web01", rows)
	}
	w := rows[2]
	if w.VM != "web01" || w.BackupID != web.ID || w.VMUUID != web.VM.UUID || w.SizeBytes != web.SizeBytes || w.SizeBytes <= 0 ||
		w.AgeSeconds != 26*3600 || w.Complete != 2 || w.Path != web.Dir {
		t.Errorf("web01 row %+v; want backup %s of %s, 26 h old", w, web.ID, web.VM.UUID)
	}
	if g := rows[1]; g.VM != "gone01" || g.BackupID != "" || g.Other != 1 {
		t.Errorf("gone01 row %+v; want no complete backup and one other folder", g)
	}
	if w.Drill == nil || *w.Drill != backup.DrillOK || w.DrillBackupID == "" || w.DrillBackupID == web.ID {
		t.Errorf("web01 drill %v of backup %q; want ok, of the older backup", w.Drill, w.DrillBackupID)
	}
	if d := rows[0]; d.Drill == nil || *d.Drill != backup.DrillFailed || d.DrillBackupID != db.ID || d.DrillReason != "the guest did not boot" || d.DrillTime == "" {
		t.Errorf("db01 row %+v; want its backup's failed drill with the reason", d)
	}
	if !strings.Contains(out, `"drill": null`) {
		t.Errorf("JSON does not say gone01 has no drill result:\n%s", out)
	}
}

// The system policy's host list holds for the CLI too: an unlisted host
// is refused before any connection, so it never sees the credentials.
func TestBackupListHonoursTheHostAllowlist(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "policy.json")
	if err := os.WriteFile(p, []byte(`{"max_mode":"unrestricted","hosts":[{"host":"esxi01.example:443"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	defer policy.SetSystemPathForTest(p)()
	h, err := simhost.Start(simhost.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.Close)
	h.ResetMethods()
	var out, errb bytes.Buffer
	code := runner{now: time.Now, getenv: listEnv(h)}.run([]string{"backup", "list", "[LocalDS_0] backups"}, &out, &errb)
	if code != exitFail || !strings.Contains(errb.String(), h.URL.Host) {
		t.Errorf("exit %d, stderr %q; want a refusal naming %s", code, errb.String(), h.URL.Host)
	}
	if m := h.Methods(); len(m) > 0 {
		t.Errorf("the unlisted host was called: %v", m)
	}
}

func TestBackupListUsage(t *testing.T) {
	for _, args := range [][]string{{"backup"}, {"backup", "list"}, {"backup", "show", "x"}} {
		if r := run(t, t0, "", args...); r.code != exitUsage {
			t.Errorf("%v: exit %d; want usage", args, r.code)
		}
	}
	if r := run(t, t0, "", "backup", "list", "[ds] b"); r.code != exitFail || !strings.Contains(r.stderr, "CESO_HOST") {
		t.Errorf("without CESO_HOST: %+v", r)
	}
}
