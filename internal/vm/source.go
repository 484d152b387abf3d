package vm

import (
	"context"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/esxi"
)

// sourceLayout is what a copy needs to know of its source beyond the
// inventory: the space its disks use, and its snapshots.
type sourceLayout struct {
	vm    mo.VirtualMachine
	sizes map[int32]int64 // a restore's: what each disk's backup copy takes
}

func readSourceLayout(ctx context.Context, s *esxi.Session, ref types.ManagedObjectReference) (*sourceLayout, error) {
	l := &sourceLayout{}
	err := object.NewVirtualMachine(s.Client, ref).Properties(ctx, ref, []string{"layoutEx", "snapshot"}, &l.vm)
	if err != nil {
		return nil, esxi.Wrap("read the source VM's disk layout", err)
	}
	return l, nil
}

// used is the space the disk with key uses (every file of its chain).
func (l *sourceLayout) used(key int32) int64 {
	if l != nil && l.sizes != nil {
		return l.sizes[key]
	}
	if l == nil {
		return 0
	}
	return esxi.ChainSize(l.vm.LayoutEx, key)
}

// snapshotRef finds the named snapshot (the current one for "").
func (l *sourceLayout) snapshotRef(name string) (*types.ManagedObjectReference, error) {
	if l.vm.Snapshot == nil || len(l.vm.Snapshot.RootSnapshotList) == 0 {
		return nil, fieldErr("linked_clone", "Template has no snapshot", "a linked clone shares the template's disks through a snapshot; take one on the template first, or set linked_clone = false.")
	}
	if name == "" {
		if l.vm.Snapshot.CurrentSnapshot != nil {
			return l.vm.Snapshot.CurrentSnapshot, nil
		}
		return &l.vm.Snapshot.RootSnapshotList[0].Snapshot, nil
	}
	var found []types.ManagedObjectReference
	var walk func([]types.VirtualMachineSnapshotTree)
	walk = func(ts []types.VirtualMachineSnapshotTree) {
		for _, t := range ts {
			if t.Name == name {
				found = append(found, t.Snapshot)
			}
			walk(t.ChildSnapshotList)
		}
	}
	walk(l.vm.Snapshot.RootSnapshotList)
	switch len(found) {
	case 1:
		return &found[0], nil
	case 0:
		return nil, fieldErr("clone_snapshot", "Snapshot not found", "the template has no snapshot named %q.", name)
	}
	return nil, fieldErr("clone_snapshot", "Ambiguous snapshot", "the template has %d snapshots named %q; rename one.", len(found), name)
}
