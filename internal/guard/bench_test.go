package guard

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/esxi-commander/terraform-provider-ceso/internal/policy"
)

// BenchmarkGuardedWrite measures what the chokepoint adds to one write whose
// host call does nothing: the policy decision alone, then with the audit
// file (two synced records) on a temp dir, then with metrics pushed after
// every write to an in-process Pushgateway stand-in (the HTTP round trip
// included), and with pushes throttled by an interval.
func BenchmarkGuardedWrite(b *testing.B) {
	gw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusOK)
	}))
	b.Cleanup(gw.Close)
	cases := []struct {
		name     string
		audit    bool
		push     string
		interval time.Duration
	}{
		{name: "bare"},
		{name: "audit", audit: true},
		{name: "audit+metrics", audit: true, push: gw.URL},
		{name: "audit+metrics_interval", audit: true, push: gw.URL, interval: time.Hour},
	}
	noop := func(context.Context) error { return nil }
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			w := newWorld(b, "unrestricted")
			cfg := w.config("standard")
			cfg.Now = nil
			if !c.audit {
				cfg.AuditFile = ""
			}
			cfg.Pushgateway = PushgatewayConfig{URL: c.push, Interval: c.interval}
			g := mustNew(b, cfg)
			op := Op{ResourceType: "ceso_vm", Object: "web-1", Action: policy.ActionUpdate, Details: map[string]any{"memory_mb": 4096}}
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if err := g.Do(ctx, op, noop); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
