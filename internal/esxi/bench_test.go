package esxi_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/esxi-commander/terraform-provider-ceso/internal/esxi"
	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
)

// fetchRoundTrips invalidates the inventory, reads it once and returns the
// SOAP round trips that read took and the snapshot.
func fetchRoundTrips(tb testing.TB, c *esxi.Client) (int64, *esxi.Snapshot) {
	tb.Helper()
	c.Inventory.Invalidate()
	before := c.Pool.Counter().Total()
	snap, err := c.Inventory.Get(context.Background())
	if err != nil {
		tb.Fatalf("inventory: %v", err)
	}
	return c.Pool.Counter().Total() - before, snap
}

// connectFor connects to h and closes the client when the test ends.
func connectFor(tb testing.TB, h *simhost.Host) *esxi.Client {
	tb.Helper()
	c, err := esxi.Connect(context.Background(), configFor(h))
	if err != nil {
		tb.Fatalf("connect: %v", err)
	}
	tb.Cleanup(func() { c.Close(context.Background()) })
	return c
}

func TestInventoryRoundTripsDoNotGrow(t *testing.T) {
	t.Parallel()
	sizes := []int{10, 200}
	trips := make([]int64, len(sizes))
	served := make([][]string, len(sizes))
	for i, n := range sizes {
		h := startHost(t, simhost.Options{VMs: n})
		c := connectFor(t, h)
		fetchRoundTrips(t, c) // warm: the session is logged in, as it is after Connect anyway
		h.ResetMethods()
		var snap *esxi.Snapshot
		trips[i], snap = fetchRoundTrips(t, c)
		served[i] = h.Methods()
		if len(snap.VMs) != n+1 { // the model's VMs and the template
			t.Fatalf("N=%d: inventory has %d VMs, want %d", n, len(snap.VMs), n+1)
		}
	}
	if trips[0] != trips[1] || trips[0] > 3 {
		t.Errorf("round trips per fetch: %d for %d VMs, %d for %d VMs; want the same, at most 3",
			trips[0], sizes[0], trips[1], sizes[1])
	}
	want := []string{"CreateContainerView", "RetrievePropertiesEx", "DestroyView"}
	for i, m := range served {
		if !slices.Equal(m, want) {
			t.Errorf("N=%d: host served %v, want %v", sizes[i], m, want)
		}
	}
}

// BenchmarkInventoryList reads the whole inventory (cache invalidated every
// iteration) for N VMs at L ms of latency per SOAP call, and reports the
// round trips each read costs: 3 whatever N is. fixedtrips/op leaves out the
// long polls of task waits (none here), whose number depends on timing; the
// round-trip gate of make test compares it.
//
//	go test ./internal/esxi/ -run '^$' -bench InventoryList -benchtime=3x
func BenchmarkInventoryList(b *testing.B) {
	for _, n := range []int{10, 100, 1000} {
		for _, latency := range []int{0, 20} {
			var h *simhost.Host
			var c *esxi.Client
			b.Run(fmt.Sprintf("N=%d/latency=%dms", n, latency), func(b *testing.B) {
				if testing.Short() && (n > 100 || latency > 0) {
					b.Skip("the round-trip gate (-short) runs latency 0 and N <= 100 only: neither changes a fixed count")
				}
				if h == nil { // set up once, not again for every b.N the framework tries
					var err error
					if h, err = simhost.Start(simhost.Options{VMs: n, LatencyMS: latency}); err != nil {
						b.Fatal(err)
					}
					if c, err = esxi.Connect(context.Background(), configFor(h)); err != nil {
						b.Fatal(err)
					}
				}
				before, fixed := c.Pool.Counter().Total(), c.Pool.Counter().Fixed()
				b.ResetTimer()
				for range b.N {
					c.Inventory.Invalidate()
					snap, err := c.Inventory.Get(context.Background())
					if err != nil {
						b.Fatal(err)
					}
					if len(snap.VMs) != n+1 {
						b.Fatalf("inventory has %d VMs, want %d", len(snap.VMs), n+1)
					}
				}
				b.StopTimer()
				b.ReportMetric(float64(c.Pool.Counter().Total()-before)/float64(b.N), "roundtrips/op")
				b.ReportMetric(float64(c.Pool.Counter().Fixed()-fixed)/float64(b.N), "fixedtrips/op")
			})
			if c != nil {
				c.Close(context.Background())
			}
			if h != nil {
				h.Close()
			}
		}
	}
}
