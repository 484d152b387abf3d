package dsfile

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"path"
	"sync/atomic"
	"time"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/soap"

	"github.com/esxi-commander/terraform-provider-ceso/internal/esxi"
	"github.com/esxi-commander/terraform-provider-ceso/internal/source"
)

// ReportEvery is how often an upload reports progress.
var ReportEvery = 10 * time.Second

// Check is the plan-time check of an upload: the path and datastore
// resolve, the source opens (a URL answers 200 with a length), and the
// datastore has room. It reads no more of the source than its headers.
func (m *Manager) Check(ctx context.Context, s Spec) error {
	t, err := m.resolve(ctx, s.Path, s.Datacenter)
	if err != nil {
		return err
	}
	rc, size, err := m.open(ctx, s.Source)
	if err != nil {
		return err
	}
	_ = rc.Close()
	return checkSpace(t, size)
}

func checkSpace(t *target, size int64) error {
	if size > t.ds.FreeSpace {
		return fieldErr("path", "Not Enough Space On Datastore",
			"the file is %d MiB and datastore %s has %d MiB free. Free space or choose another datastore.", size>>20, t.ds.Name, t.ds.FreeSpace>>20)
	}
	return nil
}

func (m *Manager) open(ctx context.Context, loc string) (io.ReadCloser, int64, error) {
	rc, size, err := m.Opener.Open(ctx, loc)
	if err != nil {
		var se *source.Error
		if errors.As(err, &se) {
			return nil, 0, &FieldError{Field: "source", Summary: se.Summary, Detail: se.Detail, Err: err}
		}
		return nil, 0, &FieldError{Field: "source", Summary: "Cannot Read Source", Detail: err.Error(), Err: err}
	}
	if size < 0 {
		_ = rc.Close()
		return nil, 0, fieldErr("source", "Unknown Source Size",
			"the server sent %s without a Content-Length; the datastore needs the size before the upload starts. Serve the file with its length.", source.Base(loc))
	}
	return rc, size, nil
}

// Upload streams the source to a temporary name beside the target, checks
// the checksum, and moves it into place. The target must not exist: ceso
// does not overwrite a file it did not upload.
func (m *Manager) Upload(ctx context.Context, s Spec, progress func(Progress)) (*File, error) {
	if err := m.client.CheckWritable(); err != nil {
		return nil, err
	}
	t, err := m.resolve(ctx, s.Path, s.Datacenter)
	if err != nil {
		return nil, err
	}
	if _, err := m.Read(ctx, s.Path, s.Datacenter); err == nil {
		return nil, fieldErr("path", "File Already Exists",
			"%s already exists. ceso does not overwrite a file it did not upload: choose another path, remove the file, or import it (terraform import <address> %q).", t.full, t.full)
	} else if !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	rc, size, err := m.open(ctx, s.Source)
	if err != nil {
		return nil, err
	}
	defer func() { _ = rc.Close() }()
	if err := checkSpace(t, size); err != nil {
		return nil, err
	}
	h := source.NewHashing(rc)
	var sum string
	err = m.client.Pool.WithSession(ctx, func(ctx context.Context, ss *esxi.Session) error {
		hostNow, err := esxi.HostTime(ctx, ss)
		if err != nil {
			return err
		}
		if err := removeStale(ctx, ss, t, hostNow, m.ConfirmRemove); err != nil {
			return err
		}
		tmp := tempName(t.rel, uploadLease(ctx, hostNow), newID())
		tmpFull := fmt.Sprintf("[%s] %s", t.ds.Name, tmp)
		if err := makeDir(ctx, ss, t); err != nil {
			return err
		}
		stop := report(ctx, h, size, progress)
		err = t.datastore(ss).Upload(ctx, h, tmp, &soap.Upload{ContentLength: size, Method: "PUT"})
		stop()
		if err == nil && h.N() != size {
			err = fmt.Errorf("the source ended after %d of %d bytes", h.N(), size)
		}
		if err == nil {
			if err = h.Verify(s.Source, s.SourceSHA256); err != nil {
				err = &FieldError{Field: "source_sha256", Summary: "Checksum Mismatch", Detail: err.Error(), Err: err}
			}
		}
		if err == nil {
			// Both datacenters are named: vCenter reads a missing destination
			// datacenter as the source's, but the simulator refuses it.
			dc := object.NewDatacenter(ss.Client, t.dc.Ref)
			task, terr := object.NewFileManager(ss.Client).MoveDatastoreFile(ctx, tmpFull, dc, t.full, dc, false)
			_, err = esxi.WaitTask(ctx, "move the upload into place at "+t.full, task, terr)
		}
		if err != nil {
			if derr := deleteFile(context.WithoutCancel(ctx), ss, t.dc.Ref, tmpFull); derr != nil {
				err = fmt.Errorf("%w; removing the partial upload %s also failed, remove it by hand: %w", err, tmpFull, derr)
			}
			if _, ok := AsFieldError(err); !ok {
				err = esxi.Wrap("upload "+t.full, err)
			}
			return err
		}
		sum = h.Sum()
		return nil
	})
	if err != nil {
		return nil, err
	}
	// The size and time the host records are what a later Read compares
	// with to notice a change made behind ceso's back.
	f, err := m.Read(ctx, s.Path, s.Datacenter)
	if err != nil {
		return nil, fmt.Errorf("read back %s after the upload: %w", t.full, err)
	}
	f.SHA256 = sum
	return f, nil
}

// makeDir creates the target's folder and its parents before the upload:
// a datastore's HTTP access writes into an existing folder only (a real
// host answers 404; internal/simhost's folder rule does the same). vSAN and
// vVol top-level folders are made through the namespace manager.
func makeDir(ctx context.Context, ss *esxi.Session, t *target) error {
	dir := path.Dir(t.rel)
	if dir == "." || dir == "/" {
		return nil
	}
	return esxi.MakeDirectory(ctx, ss, t.dc.Ref, t.ds, dir)
}

// report calls progress every ReportEvery and once more when stopped.
func report(ctx context.Context, h *source.Hashing, total int64, progress func(Progress)) (stop func()) {
	if progress == nil {
		return func() {}
	}
	var n atomic.Int64
	send := func() {
		b := n.Load()
		pct := 100
		if total > 0 {
			pct = int(min(100, b*100/total))
		}
		progress(Progress{Percent: pct, Bytes: b, Total: total})
	}
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(ReportEvery)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
				n.Store(h.N())
				send()
			}
		}
	}()
	return func() {
		close(done)
		<-finished
		n.Store(h.N())
		send()
	}
}

func newID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
