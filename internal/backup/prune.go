package backup

import (
	"context"
	"fmt"
	"sort"
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

// prune removes complete backups of this VM beyond Keep and its failed
// attempts. It runs only after a complete backup; a failure is a warning.
func (r *run) prune(ctx context.Context, earlier []Entry) {
	var complete []Entry
	for _, e := range earlier {
		if e.Manifest == nil || !sameVM(e.Manifest, r.manifest) || e.ID == r.id {
			continue
		}
		switch e.Status {
		case StatusComplete:
			complete = append(complete, e)
		case StatusFailed:
			r.drop(ctx, e)
		}
	}
	if r.spec.Keep <= 0 {
		return
	}
	sort.SliceStable(complete, func(i, j int) bool { return newer(complete[i], complete[j]) })
	for i, e := range complete {
		if i+1 >= r.spec.Keep { // the new backup is the first one kept
			r.drop(ctx, e)
		}
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

func sameVM(a, b *Manifest) bool {
	return strings.EqualFold(a.VM.UUID, b.VM.UUID) && a.VM.UUID != ""
}

// wouldPrune lists the complete backups of this VM that retention removes
// once this backup succeeds: the same choice prune makes, made before the
// first write so the caller can refuse it.
func (r *run) wouldPrune(earlier []Entry) []string {
	if r.spec.Keep <= 0 {
		return nil
	}
	var complete []Entry
	for _, e := range earlier {
		if e.Status == StatusComplete && e.Manifest != nil && strings.EqualFold(e.Manifest.VM.UUID, r.spec.VM) && r.spec.VM != "" {
			complete = append(complete, e)
		}
	}
	sort.SliceStable(complete, func(i, j int) bool { return newer(complete[i], complete[j]) })
	var out []string
	for i, e := range complete {
		if i+1 >= r.spec.Keep {
			out = append(out, e.Dir)
		}
	}
	return out
}
