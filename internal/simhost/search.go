package simhost

import (
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// searchExt serves SearchIndex.FindChild without the simulator's panic.
//
// The simulator's FindChild names each child through a helper that panics
// on an object it cannot name, such as a VM whose create is still in
// flight in the folder. The HTTP server recovers the panic, but the
// SearchIndex stays locked (the simulator's WithLock does not unlock on a
// panic), so every later FindChild of the host hangs: 50 parallel creates
// hung that way. A real host answers. This one reads each child's name as
// the entity has it, and a child without one matches no name.
type searchExt struct{ *simulator.SearchIndex }

func (s *searchExt) FindChild(ctx *simulator.Context, req *types.FindChild) soap.HasFault {
	body := &methods.FindChildBody{}
	obj := ctx.Map.Get(req.Entity)
	if obj == nil {
		body.Fault_ = simulator.Fault("", &types.ManagedObjectNotFound{Obj: req.Entity})
		return body
	}
	var children []types.ManagedObjectReference
	ctx.WithLock(obj, func() {
		switch e := obj.(type) {
		case *simulator.Datacenter:
			children = []types.ManagedObjectReference{e.VmFolder, e.HostFolder, e.DatastoreFolder, e.NetworkFolder}
		case *simulator.Folder:
			children = append(children, e.ChildEntity...)
		case *mo.ComputeResource:
			children = append(append(children, e.Host...), *e.ResourcePool)
		case *simulator.ClusterComputeResource:
			children = append(append(children, e.Host...), *e.ResourcePool)
		case *simulator.ResourcePool:
			children = append(append(children, e.ResourcePool.ResourcePool...), e.Vm...)
		case *simulator.VirtualApp:
			children = append(append(children, e.ResourcePool.ResourcePool...), e.Vm...)
		}
	})
	body.Res = new(types.FindChildResponse)
	for _, ref := range children {
		e, ok := ctx.Map.Get(ref).(mo.Entity)
		if !ok {
			continue
		}
		if name := e.Entity().Name; name != "" && name == req.Name {
			found := ref
			body.Res.Returnval = &found
			break
		}
	}
	return body
}
