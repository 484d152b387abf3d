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
				before := e.c.Pool.Counter().Total()
				b.ResetTimer()
				for range b.N {
					e.c.Inventory.Invalidate() // a new terraform plan is a new provider process
					refreshAll(b, e.m, uuids, 10)
				}
				b.StopTimer()
				b.ReportMetric(float64(e.c.Pool.Counter().Total()-before)/float64(b.N), "roundtrips/op")
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
// disk-copy path of a standalone host) and deletes them again.
func BenchmarkCreateFromTemplate(b *testing.B) {
	for _, n := range []int{1, 10} {
		for _, lat := range latencies {
			b.Run(fmt.Sprintf("N=%d/latency=%dms", n, lat), func(b *testing.B) {
				e := newEnv(b, simhost.Options{})
				e.host.Model.DelayConfig.Delay = lat
				var trips int64
				b.ResetTimer()
				for i := range b.N {
					before := e.c.Pool.Counter().Total()
					states := make([]*vm.VMState, n)
					var wg sync.WaitGroup
					for j := range n {
						wg.Add(1)
						go func() {
							defer wg.Done()
							res, err := e.m.Create(e.ctx, vm.Spec{Name: fmt.Sprintf("bench-%d-%d", i, j), Template: simhost.TemplateName, Power: vm.PowerOff}, vm.Options{})
							if err != nil {
								b.Error(err)
								return
							}
							states[j] = res.State
						}()
					}
					wg.Wait()
					trips += e.c.Pool.Counter().Total() - before
					b.StopTimer()
					for _, st := range states {
						if st != nil {
							_, _ = e.m.Delete(e.ctx, st.UUID)
						}
					}
					b.StartTimer()
				}
				b.ReportMetric(float64(trips)/float64(b.N*n), "roundtrips/vm")
			})
		}
	}
}
