package vm_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
	"github.com/esxi-commander/terraform-provider-ceso/internal/vm"
)

// latencies are the per-call delays the benchmarks run with: a local host
// and one 20 ms away.
var latencies = []int{0, 20}

// BenchmarkRefresh reads N managed VMs the way Terraform refreshes them:
// every resource's Read at once (parallelism 10). They share one batched
// inventory read, so round trips per refresh do not depend on N.
func BenchmarkRefresh(b *testing.B) {
	for _, n := range []int{10, 100, 1000} {
		for _, lat := range latencies {
			b.Run(fmt.Sprintf("N=%d/latency=%dms", n, lat), func(b *testing.B) {
				if testing.Short() && (n > 100 || lat > 0) {
					b.Skip("the round-trip gate (-short) runs latency 0 and N <= 100 only: neither changes a fixed count")
				}
				e := newEnv(b, simhost.Options{VMs: n, Templates: -1})
				snap, err := e.c.Inventory.Get(e.ctx)
				if err != nil {
					b.Fatal(err)
				}
				uuids := make([]string, 0, len(snap.VMs))
				for _, v := range snap.VMs {
					uuids = append(uuids, v.UUID)
				}
				e.host.Model.DelayConfig.Delay = lat
				before, fixed := e.c.Pool.Counter().Total(), e.c.Pool.Counter().Fixed()
				b.ResetTimer()
				for range b.N {
					e.c.Inventory.Invalidate() // a new terraform plan is a new provider process
					refreshAll(b, e.m, uuids, 10)
				}
				b.StopTimer()
				b.ReportMetric(float64(e.c.Pool.Counter().Total()-before)/float64(b.N), "roundtrips/op")
				b.ReportMetric(float64(e.c.Pool.Counter().Fixed()-fixed)/float64(b.N), "fixedtrips/op")
			})
		}
	}
}

func refreshAll(b *testing.B, m *vm.Manager, uuids []string, parallelism int) {
	work := make(chan string)
	var wg sync.WaitGroup
	for range parallelism {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range work {
				if _, err := m.Read(context.Background(), id, vm.ReadOptions{}); err != nil {
					b.Error(err)
				}
			}
		}()
	}
	for _, id := range uuids {
		work <- id
	}
	close(work)
	wg.Wait()
}

// BenchmarkCreateFromTemplate creates N VMs from one template at once (the
// disk-copy path of a standalone host) and deletes them again. roundtrips/vm
// counts every SOAP call; fixedtrips/vm leaves out the long polls of task
// waits (WaitForUpdatesEx), whose number depends on when each task ends, so
// it is the same on every run and the round-trip gate of make test compares it.
// One untimed round of N creates first logs in the sessions and makes their
// property collectors, as an apply's first creates do, so that every counted
// round costs the same: -benchtime=1x (the gate) and 3x (the baseline) agree.
func BenchmarkCreateFromTemplate(b *testing.B) {
	for _, n := range []int{1, 10} {
		for _, lat := range latencies {
			b.Run(fmt.Sprintf("N=%d/latency=%dms", n, lat), func(b *testing.B) {
				if testing.Short() && (n > 100 || lat > 0) {
					b.Skip("the round-trip gate (-short) runs latency 0 and N <= 100 only: neither changes a fixed count")
				}
				e := newEnv(b, simhost.Options{})
				e.host.Model.DelayConfig.Delay = lat
				deleteAll(e, createAll(b, e, "warm", n))
				var trips, fixedTrips int64
				b.ResetTimer()
				for i := range b.N {
					before, fixed := e.c.Pool.Counter().Total(), e.c.Pool.Counter().Fixed()
					states := createAll(b, e, fmt.Sprintf("bench-%d", i), n)
					trips += e.c.Pool.Counter().Total() - before
					fixedTrips += e.c.Pool.Counter().Fixed() - fixed
					b.StopTimer()
					deleteAll(e, states)
					b.StartTimer()
				}
				b.ReportMetric(float64(trips)/float64(b.N*n), "roundtrips/vm")
				b.ReportMetric(float64(fixedTrips)/float64(b.N*n), "fixedtrips/vm")
			})
		}
	}
}

// createAll creates n VMs named prefix-0 ... from the template at once.
func createAll(b *testing.B, e *env, prefix string, n int) []*vm.VMState {
	states := make([]*vm.VMState, n)
	var wg sync.WaitGroup
	for j := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := e.m.Create(e.ctx, vm.Spec{Name: fmt.Sprintf("%s-%d", prefix, j), Template: simhost.TemplateName, Power: vm.PowerOff}, vm.Options{})
			if err != nil {
				b.Error(err)
				return
			}
			states[j] = res.State
		}()
	}
	wg.Wait()
	return states
}

// deleteAll deletes the VMs createAll made.
func deleteAll(e *env, states []*vm.VMState) {
	for _, st := range states {
		if st != nil {
			_, _ = e.m.Delete(e.ctx, st.UUID)
		}
	}
}
