package simhost

import (
	"context"
	"fmt"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/view"
	"github.com/vmware/govmomi/vim25/types"
)

// AddPortGroup adds a standard port group to vSwitch0 of every host, so a
// test has a second network to map an OVF network or a NIC to.
func (h *Host) AddPortGroup(ctx context.Context, name string) error {
	c, err := h.Client(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = c.Logout(ctx) }()
	v, err := view.NewManager(c.Client).CreateContainerView(ctx, c.Client.ServiceContent.RootFolder, []string{"HostSystem"}, true)
	if err != nil {
		return err
	}
	defer func() { _ = v.Destroy(ctx) }()
	refs, err := v.Find(ctx, []string{"HostSystem"}, nil)
	if err != nil {
		return fmt.Errorf("find hosts: %w", err)
	}
	for _, ref := range refs {
		hs := object.NewHostSystem(c.Client, ref)
		ns, err := hs.ConfigManager().NetworkSystem(ctx)
		if err != nil {
			return err
		}
		if err := ns.AddPortGroup(ctx, types.HostPortGroupSpec{Name: name, VswitchName: "vSwitch0", Policy: types.HostNetworkPolicy{}}); err != nil {
			return fmt.Errorf("add port group %s to %s: %w", name, ref.Value, err)
		}
	}
	return nil
}
