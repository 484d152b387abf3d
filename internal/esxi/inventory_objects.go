package esxi

import (
	"context"
	"errors"
	"maps"

	"github.com/vmware/govmomi/fault"
	"github.com/vmware/govmomi/property"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

// Objects is what ReadObjects read: the VMs asked for, as the whole read
// would describe them, their raw properties (the extra ones included), and
// the datastores asked for, with their free space as it is now.
type Objects struct {
	VMs        []VM
	Raw        []mo.VirtualMachine
	Datastores []Datastore
}

// ReadObjects reads the named VMs and datastores in one round trip, whatever
// the size of the inventory: a create reads what it names and the VM it
// made this way, never every VM. Names and paths come from infra (a read of
// everything but the VMs, see Infra). extra are VM properties to read beyond
// the whole read's (a source's disk layout). A VM that no longer exists is
// a KindNotFound error.
func (inv *Inventory) ReadObjects(ctx context.Context, infra *Snapshot, vms []types.ManagedObjectReference, extra []string, datastores []types.ManagedObjectReference) (*Objects, error) {
	var vmProps []string
	for _, p := range inventoryProps {
		if p.Type == "VirtualMachine" {
			vmProps = append(append(vmProps, p.PathSet...), extra...)
		}
	}
	var dsProps []string
	for _, p := range inventoryProps {
		if p.Type == "Datastore" {
			dsProps = p.PathSet
		}
	}
	spec := types.PropertyFilterSpec{}
	if len(vms) > 0 {
		spec.PropSet = append(spec.PropSet, types.PropertySpec{Type: "VirtualMachine", PathSet: vmProps})
	}
	if len(datastores) > 0 {
		spec.PropSet = append(spec.PropSet, types.PropertySpec{Type: "Datastore", PathSet: dsProps})
	}
	for _, r := range append(append([]types.ManagedObjectReference(nil), vms...), datastores...) {
		spec.ObjectSet = append(spec.ObjectSet, types.ObjectSpec{Obj: r})
	}
	out := &Objects{}
	if len(spec.ObjectSet) == 0 {
		return out, nil
	}
	var contents []types.ObjectContent
	err := inv.pool.WithSession(ctx, func(ctx context.Context, s *Session) error {
		res, err := property.DefaultCollector(s.Client).RetrieveProperties(ctx, types.RetrieveProperties{SpecSet: []types.PropertyFilterSpec{spec}})
		if err != nil {
			return err
		}
		contents = res.Returnval
		return nil
	})
	if err != nil {
		if fault.Is(err, &types.ManagedObjectNotFound{}) {
			return nil, &Error{Op: "read VM", Kind: KindNotFound, Err: err}
		}
		return nil, Wrap("read VM", err)
	}
	b := &snapshotBuilder{entities: maps.Clone(infra.entities)}
	if b.entities == nil {
		b.entities = map[types.ManagedObjectReference]entity{}
	}
	objs := make([]any, 0, len(contents))
	for _, oc := range contents {
		for _, m := range oc.MissingSet {
			if _, ok := m.Fault.Fault.(*types.ManagedObjectNotFound); ok {
				return nil, &Error{Op: "read " + oc.Obj.Type + " " + oc.Obj.Value, Kind: KindNotFound, Err: errors.New("the object no longer exists")}
			}
		}
		o, err := mo.ObjectContentToType(oc)
		if err != nil {
			return nil, Wrap("decode VM", err)
		}
		objs = append(objs, o)
		b.index(o)
	}
	// In the order asked, so callers can index the answer.
	byRef := map[types.ManagedObjectReference]any{}
	for _, o := range objs {
		if r, ok := o.(mo.Reference); ok {
			byRef[r.Reference()] = o
		}
	}
	for _, r := range vms {
		v, ok := byRef[r].(mo.VirtualMachine)
		if !ok {
			return nil, &Error{Op: "read VM " + r.Value, Kind: KindNotFound, Err: errors.New("the host returned no such VM")}
		}
		out.VMs = append(out.VMs, b.vm(v))
		out.Raw = append(out.Raw, v)
	}
	for _, r := range datastores {
		if d, ok := byRef[r].(mo.Datastore); ok {
			s := &Snapshot{}
			b.add(s, d)
			out.Datastores = append(out.Datastores, s.Datastores...)
		}
	}
	return out, nil
}
