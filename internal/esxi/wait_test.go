package esxi_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/object"

	"github.com/esxi-commander/terraform-provider-ceso/internal/esxi"
	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
)

// A caller that gives up on a long task (its context ends) gets its error
// back only after the task was cancelled on the host and has ended; while
// the task runs, RunningTasks reports it.
func TestWaitOrCancelCancelsOnTheHost(t *testing.T) {
	t.Parallel()
	h := startHost(t, simhost.Options{})
	h.HoldCopies()
	t.Cleanup(h.ReleaseCopies)
	p := newPool(t, configFor(h))
	err := p.WithSession(context.Background(), func(ctx context.Context, s *esxi.Session) error {
		dc, err := find.NewFinder(s.Client).DefaultDatacenter(ctx)
		if err != nil {
			return err
		}
		if err := object.NewFileManager(s.Client).MakeDirectory(ctx, "[LocalDS_0] wait-dst", dc, true); err != nil {
			return err
		}
		src := "[LocalDS_0] " + simhost.TemplateName + "/" + simhost.TemplateName + ".vmdk"
		task, err := object.NewVirtualDiskManager(s.Client).CopyVirtualDisk(ctx, src, dc, "[LocalDS_0] wait-dst/a.vmdk", dc, nil, false)
		if err != nil {
			return err
		}
		running, err := esxi.RunningTasks(ctx, s, dc.Reference())
		if err != nil || len(running) == 0 {
			t.Errorf("running tasks during the copy = %v, %v; want the copy", running, err)
		}
		wctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
		defer cancel()
		_, err = esxi.WaitOrCancel(wctx, "copy", task, nil)
		if !errors.Is(err, context.DeadlineExceeded) && esxi.KindOf(err) != esxi.KindTimeout {
			t.Errorf("WaitOrCancel = %v, want the caller's deadline", err)
		}
		if n := h.RunningCopies(); n != 0 {
			t.Errorf("%d copies still run after WaitOrCancel returned", n)
		}
		if n := h.CancelledCopies(); n != 1 {
			t.Errorf("%d copies cancelled, want 1", n)
		}
		running, err = esxi.RunningTasks(ctx, s, dc.Reference())
		if err != nil || len(running) != 0 {
			t.Errorf("running tasks after the cancel = %v, %v; want none", running, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
