package guard

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/esxi-commander/terraform-provider-ceso/internal/policy"
)

// Writes that end while a push runs do not wait for it: they return while
// the first push is still held by the gateway, and one trailing push, then
// Close's, send what they added.
func TestWritesDoNotQueueBehindAPush(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	held := make(chan struct{})
	var pushes atomic.Int64
	gw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if pushes.Add(1) == 1 {
			close(held)
			<-release
		}
		w.WriteHeader(http.StatusOK)
	}))
	defer gw.Close()
	w := newWorld(t, "standard")
	cfg := w.config("standard")
	cfg.Pushgateway = PushgatewayConfig{URL: gw.URL}
	g := mustNew(t, cfg)
	ok := func(context.Context) error { return nil }
	first := make(chan error, 1)
	go func() {
		first <- g.Do(t.Context(), Op{ResourceType: "ceso_vm", Object: "first", Action: policy.ActionCreate}, ok)
	}()
	<-held // the first write's push is running, held by the gateway
	var wg sync.WaitGroup
	for i := range 5 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := g.Do(t.Context(), Op{ResourceType: "ceso_vm", Object: "more", Action: policy.ActionCreate, Details: map[string]any{"i": i}}, ok); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait() // would hang if the writes waited for the held push
	if n := pushes.Load(); n != 1 {
		t.Errorf("%d pushes while the first was held, want the first only", n)
	}
	close(release)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	if err := g.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	// The first push, one trailing push for the five writes, Close's.
	if n := pushes.Load(); n != 3 {
		t.Errorf("%d pushes in all, want 3", n)
	}
}
