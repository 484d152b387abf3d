package vm

import (
	"context"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/esxi"
)

// reconfigure runs ReconfigVM_Task.
func reconfigure(ctx context.Context, s *esxi.Session, v *esxi.VM, spec types.VirtualMachineConfigSpec) error {
	task, err := object.NewVirtualMachine(s.Client, v.Ref).Reconfigure(ctx, spec)
	_, err = esxi.WaitTask(ctx, "reconfigure VM "+v.Name, task, err)
	return err
}

// backingFunc returns the adapter backing for a network, reading a
// distributed port group's switch with the session where needed.
func backingFunc(ctx context.Context, s *esxi.Session) func(esxi.Network) (types.BaseVirtualDeviceBackingInfo, error) {
	return func(n esxi.Network) (types.BaseVirtualDeviceBackingInfo, error) {
		switch n.Type {
		case "DistributedVirtualPortgroup":
			b, err := object.NewDistributedVirtualPortgroup(s.Client, n.Ref).EthernetCardBackingInfo(ctx)
			return b, esxi.Wrap("read port group "+n.Name, err)
		case "OpaqueNetwork":
			b, err := object.NewOpaqueNetwork(s.Client, n.Ref).EthernetCardBackingInfo(ctx)
			return b, esxi.Wrap("read network "+n.Name, err)
		}
		return plainBacking(n), nil
	}
}

func plainBacking(n esxi.Network) types.BaseVirtualDeviceBackingInfo {
	ref := n.Ref
	return &types.VirtualEthernetCardNetworkBackingInfo{
		VirtualDeviceDeviceBackingInfo: types.VirtualDeviceDeviceBackingInfo{DeviceName: n.Name},
		Network:                        &ref,
	}
}
