package hostnet

import (
	"context"
	"fmt"

	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/esxi"
)

// Shaping is a traffic-shaping policy (outbound, as a standard vSwitch
// shapes): bandwidths in bits per second, burst in bytes.
type Shaping struct {
	Enabled          bool
	AverageBandwidth int64
	PeakBandwidth    int64
	BurstSize        int64
}

// PortGroup is a port group of a standard vSwitch.
type PortGroup struct {
	Host     string // host name
	Name     string
	VSwitch  string
	VLAN     int32 // 0 none, 1-4094 a VLAN, 4095 all (guest tagging)
	Security Security
	Shaping  *Shaping // nil inherits the vSwitch's
	// VMs lists the VMs with an adapter on the port group (read only).
	VMs []string
}

func (p PortGroup) spec() types.HostPortGroupSpec {
	spec := types.HostPortGroupSpec{Name: p.Name, VlanId: p.VLAN, VswitchName: p.VSwitch,
		Policy: types.HostNetworkPolicy{Security: p.Security.vim()}}
	if s := p.Shaping; s != nil {
		spec.Policy.ShapingPolicy = &types.HostNetworkTrafficShapingPolicy{Enabled: types.NewBool(s.Enabled),
			AverageBandwidth: s.AverageBandwidth, PeakBandwidth: s.PeakBandwidth, BurstSize: s.BurstSize}
	}
	return spec
}

// ReadPortGroup returns the port group as it is on the host: its own
// settings (the overrides), not those it inherits.
func (m *Manager) ReadPortGroup(ctx context.Context, host, datacenter, name string) (*PortGroup, error) {
	hn, err := m.read(ctx, host, datacenter)
	if err != nil {
		return nil, err
	}
	return hn.readPortGroup(name)
}

func (hn *hostNet) readPortGroup(name string) (*PortGroup, error) {
	pg, ok := hn.portgroup(name)
	if !ok {
		return nil, &NotFoundError{What: fmt.Sprintf("port group %q on host %s", name, hn.host.Name)}
	}
	out := &PortGroup{Host: hn.host.Name, Name: pg.Spec.Name, VSwitch: pg.Spec.VswitchName, VLAN: pg.Spec.VlanId,
		Security: securityOf(&pg.Spec.Policy), VMs: hn.users(pg.Spec.Name)}
	if sp := pg.Spec.Policy.ShapingPolicy; sp != nil && sp.Enabled != nil {
		out.Shaping = &Shaping{Enabled: *sp.Enabled, AverageBandwidth: sp.AverageBandwidth, PeakBandwidth: sp.PeakBandwidth, BurstSize: sp.BurstSize}
	}
	return out, nil
}

// PlanPortGroup checks a port group to create (exists false) or update:
// the host, its vSwitch (unless arriving says the same plan creates it),
// and that a new name is free.
func (m *Manager) PlanPortGroup(ctx context.Context, datacenter string, want PortGroup, exists bool, arriving func(vswitch string) bool) (string, error) {
	hn, err := m.read(ctx, want.Host, datacenter)
	if err != nil {
		return "", err
	}
	return hn.host.Name, hn.checkPortGroup(want, exists, arriving)
}

func (hn *hostNet) checkPortGroup(want PortGroup, exists bool, arriving func(vswitch string) bool) error {
	if _, ok := hn.vswitch(want.VSwitch); !ok && (arriving == nil || !arriving(want.VSwitch)) {
		var names []string
		for _, vs := range hn.info.Vswitch {
			names = append(names, vs.Name)
		}
		return &FieldError{Field: "vswitch", Summary: "No Such vSwitch",
			Detail: fmt.Sprintf("Host %s has no vSwitch %q; it has %v. When this configuration creates the vSwitch, refer to it (vswitch = ceso_vswitch.<name>.name) so Terraform plans it first.", hn.host.Name, want.VSwitch, names)}
	}
	if _, ok := hn.portgroup(want.Name); ok && !exists {
		return &FieldError{Field: "name", Summary: "Port Group Exists",
			Detail: fmt.Sprintf("Host %s already has a port group %q. Import it (id %s/%s) or pick another name.", hn.host.Name, want.Name, hn.host.Name, want.Name)}
	}
	return nil
}

// CreatePortGroup adds the port group to its vSwitch.
func (m *Manager) CreatePortGroup(ctx context.Context, datacenter string, want PortGroup) (*PortGroup, error) {
	hn, err := m.read(ctx, want.Host, datacenter)
	if err != nil {
		return nil, err
	}
	if err := hn.checkPortGroup(want, false, nil); err != nil {
		return nil, err
	}
	err = m.write(ctx, func(ctx context.Context, s *esxi.Session) error {
		_, err := methods.AddPortGroup(ctx, s.Client, &types.AddPortGroup{This: hn.system, Portgrp: want.spec()})
		return esxiErr(fmt.Sprintf("add port group %q to host %s", want.Name, hn.host.Name), err)
	})
	if err != nil {
		return nil, err
	}
	return m.ReadPortGroup(ctx, hn.host.Name, datacenter, want.Name)
}

// UpdatePortGroup changes the port group's VLAN and overrides in place.
func (m *Manager) UpdatePortGroup(ctx context.Context, datacenter string, want PortGroup) (*PortGroup, error) {
	hn, err := m.read(ctx, want.Host, datacenter)
	if err != nil {
		return nil, err
	}
	if err := hn.checkPortGroup(want, true, nil); err != nil {
		return nil, err
	}
	if _, ok := hn.portgroup(want.Name); !ok {
		return nil, &NotFoundError{What: fmt.Sprintf("port group %q on host %s", want.Name, hn.host.Name)}
	}
	err = m.write(ctx, func(ctx context.Context, s *esxi.Session) error {
		_, err := methods.UpdatePortGroup(ctx, s.Client, &types.UpdatePortGroup{This: hn.system, PgName: want.Name, Portgrp: want.spec()})
		return esxiErr(fmt.Sprintf("update port group %q of host %s", want.Name, hn.host.Name), err)
	})
	if err != nil {
		return nil, err
	}
	return m.ReadPortGroup(ctx, hn.host.Name, datacenter, want.Name)
}

// CheckDeletePortGroup refuses to remove a port group that VMs use, naming
// them. leaving, when not nil, says which VMs the same plan removes
// first; they do not count.
func (m *Manager) CheckDeletePortGroup(ctx context.Context, host, datacenter, name string, leaving func(vm string) bool) error {
	hn, err := m.read(ctx, host, datacenter)
	if err != nil {
		return err
	}
	var users []string
	for _, u := range hn.users(name) {
		if leaving == nil || !leaving(u) {
			users = append(users, u)
		}
	}
	if len(users) > 0 {
		return &InUseError{What: fmt.Sprintf("port group %q on host %s", name, hn.host.Name), VMs: users}
	}
	return nil
}

// DeletePortGroup removes the port group, after checking again, on the
// host as it is now, that no VM uses it. One that is gone is not an error.
func (m *Manager) DeletePortGroup(ctx context.Context, host, datacenter, name string) error {
	m.client.Inventory.Invalidate() // the VMs' networks as they are now
	hn, err := m.read(ctx, host, datacenter)
	if err != nil {
		return err
	}
	if _, ok := hn.portgroup(name); !ok {
		return nil
	}
	if users := hn.users(name); len(users) > 0 {
		return &InUseError{What: fmt.Sprintf("port group %q on host %s", name, hn.host.Name), VMs: users}
	}
	return m.write(ctx, func(ctx context.Context, s *esxi.Session) error {
		_, err := methods.RemovePortGroup(ctx, s.Client, &types.RemovePortGroup{This: hn.system, PgName: name})
		return esxiErr(fmt.Sprintf("remove port group %q from host %s", name, hn.host.Name), err)
	})
}
