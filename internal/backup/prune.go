package backup

import (
	"context"
	"fmt"
	"strings"

	"github.com/vmware/govmomi/vim25/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/esxi"
)

// cleanLeftovers removes what interrupted backups of this VM left: ceso's
// snapshots, and folders without a manifest under the VM's folder.
func (r *run) cleanLeftovers(ctx context.Context, s *esxi.Session, snaps []types.VirtualMachineSnapshotTree, earlier []Entry) error {
	for _, t := range snaps {
		what := fmt.Sprintf("ceso's snapshot %s of VM %s, left by an interrupted backup", t.Name, r.vm.Name)
		if err := esxi.RemoveSnapshot(ctx, s, r.vm.Ref, t.Snapshot, what); err != nil {
			return err
		}
		r.res.CleanedUp = append(r.res.CleanedUp, "snapshot "+t.Name+" of VM "+r.vm.Name)
	}
	for _, e := range earlier {
		if e.Status != StatusIncomplete {
			continue
		}
		dir, _ := ParseLocation(e.Dir)
		if err := r.st.remove(ctx, dir); err != nil {
			return fmt.Errorf("remove the folder %s an interrupted backup left: %w", e.Dir, err)
		}
		r.res.CleanedUp = append(r.res.CleanedUp, "folder "+e.Dir)
	}
	return nil
}

// prune removes the complete backups of this VM the retention policy
// expires, and its failed attempts. It runs only after a complete backup; a
// failure is a warning.
func (r *run) prune(ctx context.Context, earlier []Entry) {
	for _, e := range earlier {
		if e.Status == StatusFailed && r.mine(e) && e.ID != r.id {
			r.drop(ctx, e)
		}
	}
	for _, e := range r.expired(earlier) {
		r.drop(ctx, e)
	}
}

func (r *run) drop(ctx context.Context, e Entry) {
	dir, err := ParseLocation(e.Dir)
	if err == nil {
		err = r.st.remove(ctx, dir)
	}
	if err != nil {
		r.res.Warnings = append(r.res.Warnings, fmt.Sprintf("retention: removing the backup %s failed (%v); the next backup tries again", e.Dir, err))
		return
	}
	r.res.Pruned = append(r.res.Pruned, e.Dir)
}

// mine tells whether an entry is a backup of the VM this run backs up,
// by its instance UUID (whichever UUID the spec named).
func (r *run) mine(e Entry) bool {
	return e.Manifest != nil && r.vm.UUID != "" && strings.EqualFold(e.Manifest.VM.UUID, r.vm.UUID)
}

// expired is what retention removes among the earlier complete backups of
// this VM once this backup (started at r.start) is complete. earlier is
// listed once before the first write, so the choice made for the guard
// (wouldPrune) and the removal after the backup (prune) are the same.
func (r *run) expired(earlier []Entry) []Entry {
	p := r.spec.retention()
	if !p.Active() {
		return nil
	}
	// The backup being made counts as the newest; it is never expired.
	const current = "\xff current"
	all := []Entry{{ID: current, Time: r.start}}
	for _, e := range earlier {
		if e.Status == StatusComplete && r.mine(e) && e.ID != r.id {
			all = append(all, e)
		}
	}
	var out []Entry
	for _, e := range p.Expired(all) {
		if e.ID != current {
			out = append(out, e)
		}
	}
	return out
}

// wouldPrune lists the folders of the complete backups retention removes
// once this backup succeeds, asked before the first write so the caller can
// refuse it.
func (r *run) wouldPrune(earlier []Entry) []string {
	var out []string
	for _, e := range r.expired(earlier) {
		out = append(out, e.Dir)
	}
	return out
}
