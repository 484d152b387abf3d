package backup

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/vmware/govmomi/vim25/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/esxi"
)

func (r *run) findSnapshot(ctx context.Context, s *esxi.Session) *types.ManagedObjectReference {
	l, err := r.readVM(ctx, s)
	if err != nil {
		return nil
	}
	for _, t := range l.snapshots {
		if t.Name == SnapshotPrefix+r.id {
			ref := t.Snapshot
			return &ref
		}
	}
	return nil
}

// fail cleans up after a failed attempt: the snapshot goes, the partial
// copies go, and a manifest with status failed records the error. A
// simulated crash (errAbandon) leaves everything as it is.
func (r *run) fail(ctx context.Context, s *esxi.Session, cause error) error {
	// No renewal may land in the folder the cleanup rewrites. (A simulated
	// crash stops them too: a dead process renews nothing.)
	r.beat.stop()
	if errors.Is(cause, errAbandon) {
		return cause
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	var notes []string
	if r.snapshot != nil {
		if err := esxi.RemoveSnapshot(ctx, s, r.vm.Ref, *r.snapshot, "ceso's backup snapshot of VM "+r.vm.Name); err != nil {
			notes = append(notes, fmt.Sprintf("removing the snapshot %s%s failed too (%v): the next backup of this VM removes it", SnapshotPrefix, r.id, err))
		} else {
			r.snapshot = nil
		}
	}
	if r.made {
		r.manifest.Status, r.manifest.Error, r.manifest.Finished = StatusFailed, cause.Error(), r.m.now().UTC()
		r.manifest.Files, r.manifest.SizeBytes, r.manifest.Verified = nil, 0, false
		for i := range r.manifest.Disks {
			r.manifest.Disks[i].SizeBytes = 0
		}
		err := r.st.remove(ctx, r.dir)
		if err == nil {
			err = r.st.mkdir(ctx, r.dir)
		}
		if err == nil {
			var b []byte
			if b, err = r.manifest.encode(); err == nil {
				err = r.st.upload(ctx, r.dir.Join(ManifestName), b)
			}
		}
		if err != nil {
			notes = append(notes, fmt.Sprintf("cleaning up the partial backup folder %s failed too (%v): it has no manifest, is never listed as a good backup, and the next backup of this VM removes it", r.dir, err))
		} else {
			r.res.Manifest = r.manifest
			notes = append(notes, fmt.Sprintf("the partial copies were removed; %s records the failure", r.dir.Join(ManifestName)))
		}
	}
	msg := fmt.Sprintf("backup of VM %s failed: %%w", r.vm.Name)
	if len(notes) > 0 {
		msg += ". " + strings.Join(notes, "; ")
	}
	return fmt.Errorf(msg, cause)
}
