package backup_test

import (
	"fmt"
	"io"
	"log"
	"os"
	"testing"

	"github.com/esxi-commander/terraform-provider-ceso/internal/backup"
	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
	"github.com/esxi-commander/terraform-provider-ceso/internal/vm"
)

// BenchmarkBackup makes one backup of a running VM with 1, 4 and 16 disks
// per iteration, with the resource's defaults (thin copies, verify) and
// keep = 1, as a nightly backup with retention runs: each backup also
// prunes the one before. It reports the SOAP round trips and the /folder
// HTTP requests each backup costs, at 0 and 20 ms of latency per SOAP call
// (the simulator also delays the SOAP calls it makes itself to serve each
// /folder request, which a real host does not). fixedtrips/op is the same
// without the long polls of task waits, whose number depends on timing.
//
//	go test ./internal/backup -run '^$' -bench Backup -benchtime=5x
func BenchmarkBackup(b *testing.B) {
	for _, disks := range []int{1, 4, 16} {
		for _, latency := range []int{0, 20} {
			b.Run(fmt.Sprintf("disks=%d/latency=%dms", disks, latency), func(b *testing.B) {
				if testing.Short() && latency > 0 {
					b.Skip("the round-trip gate (-short) runs latency 0 only: latency changes no fixed count")
				}
				e := newEnv(b, simhost.Options{})
				log.SetOutput(io.Discard) // the simulator logs the faults of the VM's set-up
				st := e.makeVM("bench", disks, vm.PowerOn)
				log.SetOutput(os.Stderr)
				spec := backup.Spec{VM: st.UUID, Destination: dest, Verify: true, Keep: 1}
				e.backup(spec) // warm: sessions logged in, folders made, one backup to prune
				e.host.Model.DelayConfig.Delay = latency
				calls, fixed, requests := e.c.Pool.Counter().Total(), e.c.Pool.Counter().Fixed(), e.b.HTTPRequests()
				b.ResetTimer()
				for range b.N {
					res := e.backup(spec)
					if len(res.Manifest.Disks) != disks {
						b.Fatalf("backup has %d disks, want %d", len(res.Manifest.Disks), disks)
					}
				}
				b.StopTimer()
				e.host.Model.DelayConfig.Delay = 0
				b.ReportMetric(float64(e.c.Pool.Counter().Total()-calls)/float64(b.N), "roundtrips/op")
				b.ReportMetric(float64(e.c.Pool.Counter().Fixed()-fixed)/float64(b.N), "fixedtrips/op")
				b.ReportMetric(float64(e.b.HTTPRequests()-requests)/float64(b.N), "http/op")
			})
		}
	}
}
