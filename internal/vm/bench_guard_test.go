package vm_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"

	"github.com/esxi-commander/terraform-provider-ceso/internal/guard"
	"github.com/esxi-commander/terraform-provider-ceso/internal/policy"
	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
	"github.com/esxi-commander/terraform-provider-ceso/internal/vm"
)

// BenchmarkGuardOverhead creates 50 VMs from a template, 10 at a time as
// Terraform's default parallelism does, with and without the chokepoint
// (policy decision, two synced audit records per write, metrics pushed after
// every write to a local Pushgateway stand-in). The difference between the
// two is the overhead of audit + metrics on a write-heavy apply.
func BenchmarkGuardOverhead(b *testing.B) {
	gw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusOK)
	}))
	b.Cleanup(gw.Close)
	for _, lat := range latencies {
		for _, guarded := range []bool{false, true} {
			b.Run(fmt.Sprintf("latency=%dms/guarded=%v", lat, guarded), func(b *testing.B) {
				e := newEnv(b, simhost.Options{})
				e.host.Model.DelayConfig.Delay = lat
				var g *guard.Guard
				if guarded {
					var err error
					g, err = guard.New(guard.Config{Mode: "unrestricted", AuditFile: filepath.Join(b.TempDir(), "audit.jsonl"),
						Pushgateway: guard.PushgatewayConfig{URL: gw.URL}, Getenv: func(string) string { return "" }})
					if err != nil {
						b.Fatal(err)
					}
					b.Cleanup(func() { _ = g.Close(context.Background()) })
				}
				for i := 0; b.Loop(); i++ {
					b.StopTimer()
					names := make(chan string, 50)
					for j := range 50 {
						names <- fmt.Sprintf("ovh-%d-%d", i, j)
					}
					close(names)
					b.StartTimer()
					var wg sync.WaitGroup
					var mu sync.Mutex
					var uuids []string
					for range 10 {
						wg.Add(1)
						go func() {
							defer wg.Done()
							for name := range names {
								create := func(ctx context.Context) error {
									res, err := e.m.Create(ctx, vm.Spec{Name: name, Template: simhost.TemplateName, Power: vm.PowerOff}, vm.Options{})
									if err == nil {
										mu.Lock()
										uuids = append(uuids, res.State.UUID)
										mu.Unlock()
									}
									return err
								}
								var err error
								if g != nil {
									err = g.Do(e.ctx, guard.Op{ResourceType: "ceso_vm", Object: name, Action: policy.ActionCreate}, create)
								} else {
									err = create(e.ctx)
								}
								if err != nil {
									b.Error(err)
								}
							}
						}()
					}
					wg.Wait()
					b.StopTimer()
					for _, id := range uuids {
						_, _ = e.m.Delete(e.ctx, id)
					}
					b.StartTimer()
				}
			})
		}
	}
}
