package vm_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/esxi-commander/terraform-provider-ceso/internal/esxi"
	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
)

// waiters starts a WaitForIP on each of the first n VMs of the host (not
// the template) and returns their UUIDs and a channel that reports each
// wait's end.
func waiters(tb testing.TB, e *env, n int) ([]string, <-chan error) {
	tb.Helper()
	snap, err := e.c.Inventory.Get(e.ctx)
	if err != nil {
		tb.Fatal(err)
	}
	var uuids []string
	for _, v := range snap.VMs {
		if v.Name != simhost.TemplateName && len(uuids) < n {
			uuids = append(uuids, v.UUID)
		}
	}
	done := make(chan error, len(uuids))
	for _, id := range uuids {
		go func() {
			_, err := e.m.WaitForIP(e.ctx, id, 10*time.Minute)
			done <- err
		}()
	}
	return uuids, done
}

// pollsReach waits until the watcher has made n more polls than at start.
func pollsReach(tb testing.TB, w *esxi.Watcher, start, n int64) {
	tb.Helper()
	deadline := time.Now().Add(time.Minute)
	for w.Polls() < start+n {
		if time.Now().After(deadline) {
			tb.Fatalf("the watcher made %d polls in a minute, want %d", w.Polls()-start, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// While VMs wait for an IP address, the provider reads no inventory and
// calls nothing but the watcher's WaitForUpdatesEx per poll.
func TestWaitsReadNoInventoryPerPoll(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simhost.Options{VMs: 8})
	uuids, done := waiters(t, e, 5)
	pollsReach(t, e.c.Watcher, 0, 2) // every wait is watched by now
	fetches, calls := e.c.Inventory.Fetches(), e.c.Pool.Counter().Methods()
	polls := e.c.Watcher.Polls()
	pollsReach(t, e.c.Watcher, polls, 3)
	after := e.c.Pool.Counter().Methods()
	if f := e.c.Inventory.Fetches(); f != fetches {
		t.Errorf("%d inventory reads while the VMs waited, want none", f-fetches)
	}
	for m, n := range after {
		if d := n - calls[m]; d > 0 && m != "WaitForUpdatesEx" {
			t.Errorf("%s called %d times while the VMs waited; only WaitForUpdatesEx may be", m, d)
		}
	}
	for i, id := range uuids {
		e.guest(id, "SET.guest.ipAddress", fmt.Sprintf("10.0.0.%d", i+10))
	}
	for range uuids {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}

// BenchmarkWaitForIP: 20 VMs wait for an IP address on a host with 100 or
// 2,000 other VMs. The SOAP calls and the bytes read per poll do not grow
// with the inventory; a full inventory read (what each poll cost before
// the watcher) is reported beside them.
func BenchmarkWaitForIP(b *testing.B) {
	for _, others := range []int{100, 2000} {
		b.Run(fmt.Sprintf("others=%d", others), func(b *testing.B) {
			e := newEnv(b, simhost.Options{VMs: others + 20, Templates: -1})
			// A model of 2,000 VMs takes a while to read on a busy machine.
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
			defer cancel()
			e.ctx = ctx
			cnt := e.c.Pool.Counter()
			before, bytes := cnt.Total(), cnt.BytesRead()
			e.c.Inventory.Invalidate()
			if _, err := e.c.Inventory.Get(e.ctx); err != nil {
				b.Fatal(err)
			}
			readCalls, readBytes := cnt.Total()-before, cnt.BytesRead()-bytes
			var calls, read, polls int64
			b.ResetTimer()
			for range b.N {
				uuids, done := waiters(b, e, 20)
				pollsReach(b, e.c.Watcher, e.c.Watcher.Polls(), 2)
				c0, r0, p0 := cnt.Total(), cnt.BytesRead(), e.c.Watcher.Polls()
				pollsReach(b, e.c.Watcher, p0, 3)
				calls += cnt.Total() - c0
				read += cnt.BytesRead() - r0
				polls += e.c.Watcher.Polls() - p0
				b.StopTimer()
				var wg sync.WaitGroup
				for i, id := range uuids {
					wg.Add(1)
					go func() {
						defer wg.Done()
						e.guest(id, "SET.guest.ipAddress", fmt.Sprintf("10.1.%d.%d", i/200, i%200+10))
					}()
				}
				wg.Wait()
				for range uuids {
					if err := <-done; err != nil {
						b.Error(err)
					}
				}
				// The next round starts from VMs without an address.
				for _, id := range uuids {
					e.guest(id, "SET.guest.ipAddress", "")
				}
				b.StartTimer()
			}
			b.ReportMetric(float64(calls)/float64(polls), "calls/poll")
			b.ReportMetric(float64(read)/float64(polls), "bytes/poll")
			b.ReportMetric(float64(readCalls), "calls/inventory-read")
			b.ReportMetric(float64(readBytes), "bytes/inventory-read")
		})
	}
}
