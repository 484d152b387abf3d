package vm

import (
	"context"
	"errors"
	"strings"

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

// layoutProps are what a copy reads of its source beyond the whole read's.
var layoutProps = []string{"layoutEx"}

// source finds the template value names and reads it, with its disk layout
// and the free space of the datacenter's datastores, in one round trip.
//
// Which VM the value names is found once per Manager with the whole read
// (shared with every other reader of the run) and remembered: a name lookup
// among every VM is the only way to know it is unique. Each create then
// reads that VM alone and checks it still answers to the value; if it is
// gone or renamed, the whole read is taken again. A second VM given the
// same name during the run is not noticed: the one used still is the VM of
// that name it was.
func (m *Manager) source(ctx context.Context, t *target, value, dc string) error {
	key := dc + "\x00" + value
	m.mu.Lock()
	ref, known := m.sources[key]
	m.mu.Unlock()
	if !known {
		snap, err := m.snapshot(ctx)
		if err != nil {
			return err
		}
		v, err := resolveVM(snap, value, dc)
		if err != nil {
			return templateErr(snap, value, err)
		}
		ref = v.Ref
	}
	var dss []types.ManagedObjectReference
	for _, d := range t.infra.Datastores {
		if dc == "" || d.Datacenter == dc {
			dss = append(dss, d.Ref)
		}
	}
	objs, err := m.client.Inventory.ReadObjects(ctx, t.infra, []types.ManagedObjectReference{ref}, layoutProps, dss)
	if err == nil && !answersTo(&objs.VMs[0], value, dc) {
		err = &esxi.Error{Op: "read template " + value, Kind: esxi.KindNotFound, Err: errors.New("renamed or moved")}
	}
	if err != nil {
		m.mu.Lock()
		delete(m.sources, key)
		m.mu.Unlock()
		if known && esxi.KindOf(err) == esxi.KindNotFound {
			m.client.Inventory.InvalidateVMs() // the remembered VM is gone: look again
			return m.source(ctx, t, value, dc)
		}
		return err
	}
	m.mu.Lock()
	m.sources[key] = ref
	m.mu.Unlock()
	t.tmpl = &objs.VMs[0]
	t.source = &sourceLayout{vm: objs.Raw[0]}
	t.free = map[types.ManagedObjectReference]esxi.Datastore{}
	for _, d := range objs.Datastores {
		t.free[d.Ref] = d
	}
	return nil
}

// remember records the VM value names, found in a whole read.
func (m *Manager) remember(dc, value string, ref types.ManagedObjectReference) {
	m.mu.Lock()
	m.sources[dc+"\x00"+value] = ref
	m.mu.Unlock()
}

// answersTo reports whether v is still the VM value names (as resolveVM reads it).
func answersTo(v *esxi.VM, value, dc string) bool {
	if dc != "" && v.Datacenter != dc {
		return false
	}
	id := strings.TrimPrefix(value, "moid:")
	return v.Name == value || v.Path == value || v.Ref.Value == id ||
		strings.EqualFold(v.UUID, value) || strings.EqualFold(v.BIOSUUID, value)
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
