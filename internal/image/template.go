package image

import (
	"context"
	"fmt"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/esxi"
	"github.com/esxi-commander/terraform-provider-ceso/internal/vm"
)

// SetTemplate makes the image a template or a plain VM again, in place:
// vCenter's template flag, or the ceso marker on a standalone host.
func (m *Manager) SetTemplate(ctx context.Context, uuid string, template bool) (*Image, error) {
	if err := m.client.CheckWritable(); err != nil {
		return nil, err
	}
	m.client.Inventory.Invalidate()
	snap, err := m.client.Inventory.Get(ctx)
	if err != nil {
		return nil, err
	}
	v, ok := snap.VMByUUID(uuid)
	if !ok {
		return nil, &NotFoundError{Ref: uuid}
	}
	err = m.client.Pool.WithSession(ctx, func(ctx context.Context, s *esxi.Session) error {
		obj := object.NewVirtualMachine(s.Client, v.Ref)
		if m.client.Facts().IsVCenter {
			return setVCenterTemplate(ctx, snap, obj, v, template)
		}
		val := ""
		if template {
			val = "true"
		}
		task, err := obj.Reconfigure(ctx, types.VirtualMachineConfigSpec{
			ExtraConfig: []types.BaseOptionValue{&types.OptionValue{Key: vm.KeyTemplate, Value: val}}})
		_, err = esxi.WaitTask(ctx, "set the template marker of "+v.Name, task, err)
		return err
	})
	m.client.Inventory.Invalidate()
	if err != nil {
		return nil, err
	}
	return m.Read(ctx, uuid)
}

func setVCenterTemplate(ctx context.Context, snap *esxi.Snapshot, obj *object.VirtualMachine, v esxi.VM, template bool) error {
	switch {
	case template && !v.Template:
		return esxi.Wrap("mark "+v.Name+" as a template", obj.MarkAsTemplate(ctx))
	case !template && v.Template:
		// A VM needs a resource pool again: the root pool of the cluster or
		// host the template is registered on.
		for _, c := range snap.ComputeResources {
			for _, h := range c.Hosts {
				if h == v.HostRef {
					host := object.NewHostSystem(obj.Client(), h)
					pool := object.NewResourcePool(obj.Client(), c.ResourcePool)
					return esxi.Wrap("mark "+v.Name+" as a virtual machine", obj.MarkAsVirtualMachine(ctx, *pool, host))
				}
			}
		}
		return fmt.Errorf("template %s is on no host of the inventory; ceso cannot find a resource pool for it", v.Name)
	}
	return nil
}
