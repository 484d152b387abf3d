package backup_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/esxi-commander/terraform-provider-ceso/internal/backup"
	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
	"github.com/esxi-commander/terraform-provider-ceso/internal/vm"
)

// A drill's result goes into the manifest of a complete backup, replacing
// an earlier one, and reads back; the rest of the manifest stays.
func TestRecordDrill(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simhost.Options{Templates: 1})
	st := e.makeVM("drilled", 1, vm.PowerOff)
	res := e.backup(backup.Spec{VM: st.UUID, Destination: dest, Verify: true})
	at := time.Date(2026, 11, 30, 3, 0, 0, 0, time.UTC)
	first := backup.Drill{Result: backup.DrillFailed, Reason: "the guest did not boot", Started: at, Finished: at.Add(time.Minute), DurationSeconds: 60, VMName: "x", CleanedUp: true}
	if _, err := e.b.RecordDrill(e.ctx, res.Manifest.ManifestPath(), first); err != nil {
		t.Fatal(err)
	}
	second := backup.Drill{Result: backup.DrillOK, Started: at.Add(time.Hour), Finished: at.Add(time.Hour + time.Minute), DurationSeconds: 60, VMName: "x", IP: "10.0.0.2", CleanedUp: true}
	written, err := e.b.RecordDrill(e.ctx, res.Manifest.Dir, second)
	if err != nil {
		t.Fatal(err)
	}
	got, err := e.b.Read(e.ctx, res.Manifest.Dir)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(&second, got.Drill); diff != "" {
		t.Errorf("drill read back (-want +got):\n%s", diff)
	}
	if !got.Drill.OK() || written.Drill == nil || got.SizeBytes != res.Manifest.SizeBytes || len(got.Files) != len(res.Manifest.Files) || got.Status != backup.StatusComplete {
		t.Errorf("manifest after the drill: %+v", got)
	}
	if _, err := e.b.RecordDrill(e.ctx, "[LocalDS_0] backups/drilled/20260101T000000Z-abcd", second); err == nil {
		t.Error("a drill was recorded for a backup that does not exist")
	}
}
