package hostnet

import (
	"context"
	"fmt"
	"slices"

	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/esxi"
)

// Security is a layer-2 security policy. On a vSwitch every field is set;
// on a port group a nil field inherits the vSwitch's.
type Security struct {
	AllowPromiscuous *bool
	AllowMACChanges  *bool
	AllowForged      *bool
}

func (s Security) vim() *types.HostNetworkSecurityPolicy {
	return &types.HostNetworkSecurityPolicy{AllowPromiscuous: s.AllowPromiscuous, MacChanges: s.AllowMACChanges, ForgedTransmits: s.AllowForged}
}

func securityOf(p *types.HostNetworkPolicy) Security {
	if p == nil || p.Security == nil {
		return Security{}
	}
	return Security{AllowPromiscuous: p.Security.AllowPromiscuous, AllowMACChanges: p.Security.MacChanges, AllowForged: p.Security.ForgedTransmits}
}

// VSwitch is a standard virtual switch on a host.
type VSwitch struct {
	Host     string // host name
	Name     string
	Uplinks  []string // physical NICs, e.g. vmnic1
	MTU      int32
	Security Security
	// PortGroups lists the names of the port groups on the switch (read only).
	PortGroups []string
}

// defaultMTU is what a host uses when a spec leaves the MTU out.
const defaultMTU = 1500

// ReadVSwitch returns the vSwitch as it is on the host.
func (m *Manager) ReadVSwitch(ctx context.Context, host, datacenter, name string) (*VSwitch, error) {
	hn, err := m.read(ctx, host, datacenter)
	if err != nil {
		return nil, err
	}
	vs, ok := hn.vswitch(name)
	if !ok {
		return nil, &NotFoundError{What: fmt.Sprintf("vSwitch %q on host %s", name, hn.host.Name)}
	}
	out := &VSwitch{Host: hn.host.Name, Name: vs.Name, Uplinks: bridgeNICs(vs.Spec.Bridge), MTU: vs.Mtu, Security: securityOf(vs.Spec.Policy)}
	if out.MTU == 0 {
		out.MTU = vs.Spec.Mtu
	}
	if out.MTU == 0 {
		out.MTU = defaultMTU
	}
	for _, pg := range hn.info.Portgroup {
		if pg.Spec.VswitchName == vs.Name {
			out.PortGroups = append(out.PortGroups, pg.Spec.Name)
		}
	}
	return out, nil
}

// PlanVSwitch checks a vSwitch to create (exists false) or update, before
// anything changes: the host, the uplinks, and that a new name is free.
func (m *Manager) PlanVSwitch(ctx context.Context, datacenter string, want VSwitch, exists bool) (string, error) {
	hn, err := m.read(ctx, want.Host, datacenter)
	if err != nil {
		return "", err
	}
	if _, ok := hn.vswitch(want.Name); ok && !exists {
		return hn.host.Name, &FieldError{Field: "name", Summary: "vSwitch Exists",
			Detail: fmt.Sprintf("Host %s already has a vSwitch %q. Import it (terraform import with id %s/%s) or pick another name.", hn.host.Name, want.Name, hn.host.Name, want.Name)}
	}
	return hn.host.Name, hn.checkUplinks(want.Name, want.Uplinks)
}

// vswitchSpec builds the spec from want, keeping what ceso does not manage
// (port count, teaming details, beacon, discovery protocol) from the
// current spec.
func vswitchSpec(cur *types.HostVirtualSwitchSpec, want VSwitch) types.HostVirtualSwitchSpec {
	spec := types.HostVirtualSwitchSpec{NumPorts: 128}
	if cur != nil {
		spec = *cur
	}
	spec.Mtu = want.MTU
	if len(want.Uplinks) == 0 {
		spec.Bridge = nil
	} else {
		bb, ok := spec.Bridge.(*types.HostVirtualSwitchBondBridge)
		if !ok {
			bb = &types.HostVirtualSwitchBondBridge{}
		}
		nb := *bb
		nb.NicDevice = slices.Clone(want.Uplinks)
		spec.Bridge = &nb
	}
	pol := types.HostNetworkPolicy{}
	if spec.Policy != nil {
		pol = *spec.Policy
	}
	pol.Security = want.Security.vim()
	// The teaming order names the uplinks; one that is gone would make the
	// host refuse the spec.
	if pol.NicTeaming != nil {
		t := *pol.NicTeaming
		t.NicOrder = &types.HostNicOrderPolicy{ActiveNic: slices.Clone(want.Uplinks)}
		pol.NicTeaming = &t
	}
	spec.Policy = &pol
	return spec
}

// CreateVSwitch adds the vSwitch to the host.
func (m *Manager) CreateVSwitch(ctx context.Context, datacenter string, want VSwitch) (*VSwitch, error) {
	hn, err := m.read(ctx, want.Host, datacenter)
	if err != nil {
		return nil, err
	}
	if err := hn.checkUplinks(want.Name, want.Uplinks); err != nil {
		return nil, err
	}
	spec := vswitchSpec(nil, want)
	err = m.write(ctx, func(ctx context.Context, s *esxi.Session) error {
		_, err := methods.AddVirtualSwitch(ctx, s.Client, &types.AddVirtualSwitch{This: hn.system, VswitchName: want.Name, Spec: &spec})
		return esxiErr(fmt.Sprintf("add vSwitch %q to host %s", want.Name, hn.host.Name), err)
	})
	if err != nil {
		return nil, err
	}
	return m.ReadVSwitch(ctx, hn.host.Name, datacenter, want.Name)
}

// UpdateVSwitch changes the vSwitch's uplinks, MTU and security policy.
func (m *Manager) UpdateVSwitch(ctx context.Context, datacenter string, want VSwitch) (*VSwitch, error) {
	hn, err := m.read(ctx, want.Host, datacenter)
	if err != nil {
		return nil, err
	}
	vs, ok := hn.vswitch(want.Name)
	if !ok {
		return nil, &NotFoundError{What: fmt.Sprintf("vSwitch %q on host %s", want.Name, hn.host.Name)}
	}
	if err := hn.checkUplinks(want.Name, want.Uplinks); err != nil {
		return nil, err
	}
	spec := vswitchSpec(&vs.Spec, want)
	err = m.write(ctx, func(ctx context.Context, s *esxi.Session) error {
		_, err := methods.UpdateVirtualSwitch(ctx, s.Client, &types.UpdateVirtualSwitch{This: hn.system, VswitchName: want.Name, Spec: spec})
		return esxiErr(fmt.Sprintf("update vSwitch %q of host %s", want.Name, hn.host.Name), err)
	})
	if err != nil {
		return nil, err
	}
	return m.ReadVSwitch(ctx, hn.host.Name, datacenter, want.Name)
}

// CheckDeleteVSwitch refuses to remove a vSwitch whose port groups VMs
// use (removing a vSwitch removes its port groups). leaving, when not nil,
// says which VMs the same plan removes first; they do not count.
func (m *Manager) CheckDeleteVSwitch(ctx context.Context, host, datacenter, name string, leaving func(vm string) bool) error {
	hn, err := m.read(ctx, host, datacenter)
	if err != nil {
		return err
	}
	return hn.checkDeleteVSwitch(name, leaving)
}

func (hn *hostNet) checkDeleteVSwitch(name string, leaving func(vm string) bool) error {
	var pgs []string
	for _, pg := range hn.info.Portgroup {
		if pg.Spec.VswitchName == name {
			pgs = append(pgs, pg.Spec.Name)
		}
	}
	var users []string
	for _, u := range hn.users(pgs...) {
		if leaving == nil || !leaving(u) {
			users = append(users, u)
		}
	}
	if len(users) > 0 {
		return &InUseError{What: fmt.Sprintf("vSwitch %q on host %s (through its port groups %v)", name, hn.host.Name, pgs), VMs: users}
	}
	return nil
}

// DeleteVSwitch removes the vSwitch; one that is already gone is not an
// error.
func (m *Manager) DeleteVSwitch(ctx context.Context, host, datacenter, name string) error {
	hn, err := m.read(ctx, host, datacenter)
	if err != nil {
		return err
	}
	if _, ok := hn.vswitch(name); !ok {
		return nil
	}
	if err := hn.checkDeleteVSwitch(name, nil); err != nil {
		return err
	}
	return m.write(ctx, func(ctx context.Context, s *esxi.Session) error {
		_, err := methods.RemoveVirtualSwitch(ctx, s.Client, &types.RemoveVirtualSwitch{This: hn.system, VswitchName: name})
		return esxiErr(fmt.Sprintf("remove vSwitch %q from host %s", name, hn.host.Name), err)
	})
}

// esxiErr classifies a host fault of op, or returns nil.
func esxiErr(op string, err error) error {
	if err == nil {
		return nil
	}
	return esxi.Wrap(op, err)
}
