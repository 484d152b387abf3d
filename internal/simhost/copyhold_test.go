package simhost_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
)

// copyTemplateDisk starts a copy of the template's disk to dst.
func copyTemplateDisk(t *testing.T, h *simhost.Host, dst string) (*object.Task, func() []string) {
	t.Helper()
	ctx := context.Background()
	c, err := h.Client(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Logout(ctx) })
	dc, err := find.NewFinder(c.Client).DefaultDatacenter(ctx)
	if err != nil {
		t.Fatal(err)
	}
	fm := object.NewFileManager(c.Client)
	if err := fm.MakeDirectory(ctx, "[LocalDS_0] copy-dst", dc, true); err != nil {
		t.Fatal(err)
	}
	task, err := object.NewVirtualDiskManager(c.Client).CopyVirtualDisk(ctx,
		"[LocalDS_0] "+simhost.TemplateName+"/"+simhost.TemplateName+".vmdk", dc, dst, dc, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	files := func() []string {
		all, err := h.Files()
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, f := range all {
			if strings.Contains(f, "copy-dst/") {
				out = append(out, f)
			}
		}
		return out
	}
	return task, files
}

func TestHoldCopiesCancel(t *testing.T) {
	t.Parallel()
	h, err := simhost.Start(simhost.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	h.HoldCopies()
	task, files := copyTemplateDisk(t, h, "[LocalDS_0] copy-dst/a.vmdk")
	ctx := context.Background()
	// The copy does not end by itself: a short wait gives up.
	wctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	_, err = task.WaitForResult(wctx)
	cancel()
	if err == nil {
		t.Fatal("a held copy ended by itself")
	}
	if h.RunningCopies() != 1 || len(files()) == 0 {
		t.Fatalf("running copies %d, files %v: want one copy running with its files", h.RunningCopies(), files())
	}
	if err := task.Cancel(ctx); err != nil {
		t.Fatal(err)
	}
	info, err := task.WaitForResult(ctx)
	if err == nil || info == nil || !info.Cancelled {
		t.Fatalf("a cancelled copy: info %+v, error %v; want cancelled with an error", info, err)
	}
	if _, ok := info.Error.Fault.(*types.RequestCanceled); !ok {
		t.Errorf("a cancelled copy failed with %T, want RequestCanceled", info.Error.Fault)
	}
	if f := files(); len(f) != 0 || h.RunningCopies() != 0 {
		t.Errorf("after the cancelled copy ended: files %v, running %d; want none", f, h.RunningCopies())
	}
}

func TestHoldCopiesRelease(t *testing.T) {
	t.Parallel()
	h, err := simhost.Start(simhost.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	h.HoldCopies()
	task, files := copyTemplateDisk(t, h, "[LocalDS_0] copy-dst/b.vmdk")
	for h.StartedCopies() == 0 {
		time.Sleep(10 * time.Millisecond)
	}
	h.ReleaseCopies()
	if _, err := task.WaitForResult(context.Background()); err != nil {
		t.Fatalf("a released copy: %v", err)
	}
	if len(files()) == 0 {
		t.Error("a released copy left no files")
	}
}
