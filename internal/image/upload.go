package image

import (
	"context"
	"io"
	"path"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vmware/govmomi/nfc"
	"github.com/vmware/govmomi/vim25/progress"
	"github.com/vmware/govmomi/vim25/soap"

	"github.com/esxi-commander/terraform-provider-ceso/internal/esxi"
)

// upload streams the package's files into the lease's device URLs. A
// keep-alive reports progress to the lease every KeepAlive (which renews
// it: a lease the host hears nothing about for its timeout is aborted) and
// to the caller.
func (m *Manager) upload(ctx context.Context, lease *nfc.Lease, info *nfc.LeaseInfo, p *pkg, progress func(Progress)) error {
	items := map[string]nfc.FileItem{}
	want := map[string]bool{}
	var total int64
	for _, it := range info.Items {
		name := path.Base(it.Path)
		items[name] = it
		want[name] = true
		total += it.Size
	}
	var sent atomic.Int64
	stop := keepAlive(ctx, lease, m.keepAliveEvery(), &sent, total, progress)
	defer stop()
	return p.stream(ctx, want, func(name string, r io.Reader, size int64) error {
		it := items[name]
		cr := &countingReader{r: r, n: &sent}
		// nfc.Lease.Upload reports to the item's own unbuffered channel when
		// given no sink, which only govmomi's LeaseUpdater drains; bytes are
		// counted above, so the reports are drained and dropped.
		opts := soap.Upload{ContentLength: size, Progress: drain{}}
		if err := lease.Upload(ctx, it, cr, opts); err != nil {
			return esxi.Wrap("upload "+name, err)
		}
		return nil
	})
}

func (m *Manager) keepAliveEvery() time.Duration {
	if m.KeepAlive > 0 {
		return m.KeepAlive
	}
	return 5 * time.Second
}

// keepAlive reports progress until stop is called; stop sends the last
// report (100% when everything was sent).
func keepAlive(ctx context.Context, lease *nfc.Lease, every time.Duration, sent *atomic.Int64, total int64, progress func(Progress)) (stop func()) {
	report := func() int32 {
		n := sent.Load()
		pct := int32(0)
		if total > 0 {
			pct = int32(min(100, max(0, n*100/total))) //nolint:gosec // G115: 0..100.
		}
		if progress != nil {
			progress(Progress{Percent: int(pct), Bytes: n, Total: total})
		}
		return pct
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
				// The percentage renews the lease even when it has not moved.
				_ = lease.Progress(ctx, report())
			}
		}
	}()
	return func() {
		close(done)
		wg.Wait()
		report()
	}
}

type countingReader struct {
	r io.Reader
	n *atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// drain is a progress sink that drops every report.
type drain struct{}

func (drain) Sink() chan<- progress.Report {
	ch := make(chan progress.Report)
	go func() {
		for range ch { //nolint:revive // draining is the point.
		}
	}()
	return ch
}
