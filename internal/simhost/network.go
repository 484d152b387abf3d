package simhost

import (
	"slices"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// netExt makes the simulator's HostNetworkSystem behave like a real host's
// where ceso depends on it: AddVirtualSwitch keeps the spec (uplinks, MTU,
// security policy) the simulator drops; UpdateVirtualSwitch and
// UpdatePortGroup, which it lacks, change them; and RemovePortGroup
// refuses, as a real host does with ResourceInUse, while a VM of the host
// has an adapter on the port group.
type netExt struct {
	*simulator.HostNetworkSystem
}

func (s *netExt) AddVirtualSwitch(_ *simulator.Context, req *types.AddVirtualSwitch) soap.HasFault {
	body := &methods.AddVirtualSwitchBody{}
	if _, ok := s.vswitch(req.VswitchName); ok {
		body.Fault_ = simulator.Fault("", &types.AlreadyExists{Name: req.VswitchName})
		return body
	}
	vs := types.HostVirtualSwitch{Name: req.VswitchName, Key: "key-vim.host.VirtualSwitch-" + req.VswitchName}
	if req.Spec != nil {
		setSpec(&vs, *req.Spec)
	} else {
		setSpec(&vs, types.HostVirtualSwitchSpec{NumPorts: 128})
	}
	s.NetworkInfo.Vswitch = append(s.NetworkInfo.Vswitch, vs)
	body.Res = &types.AddVirtualSwitchResponse{}
	return body
}

func (s *netExt) UpdateVirtualSwitch(_ *simulator.Context, req *types.UpdateVirtualSwitch) soap.HasFault {
	body := &methods.UpdateVirtualSwitchBody{}
	vs, ok := s.vswitch(req.VswitchName)
	if !ok {
		body.Fault_ = simulator.Fault("", &types.NotFound{})
		return body
	}
	setSpec(vs, req.Spec)
	body.Res = &types.UpdateVirtualSwitchResponse{}
	return body
}

func (s *netExt) UpdatePortGroup(_ *simulator.Context, req *types.UpdatePortGroup) soap.HasFault {
	body := &methods.UpdatePortGroupBody{}
	for i := range s.NetworkInfo.Portgroup {
		pg := &s.NetworkInfo.Portgroup[i]
		if pg.Spec.Name != req.PgName {
			continue
		}
		if req.Portgrp.Name != req.PgName || req.Portgrp.VswitchName != pg.Spec.VswitchName {
			// Renames and moves are left out: ceso replaces a port group instead.
			body.Fault_ = simulator.Fault("renaming or moving a port group is not simulated", &types.NotSupported{})
			return body
		}
		pg.Spec = req.Portgrp
		body.Res = &types.UpdatePortGroupResponse{}
		return body
	}
	body.Fault_ = simulator.Fault("", &types.NotFound{})
	return body
}

func (s *netExt) RemovePortGroup(ctx *simulator.Context, req *types.RemovePortGroup) soap.HasFault {
	if s.inUse(ctx, req.PgName) {
		return &methods.RemovePortGroupBody{Fault_: simulator.Fault("port group "+req.PgName+" is in use by a virtual machine", &types.ResourceInUse{Name: req.PgName})}
	}
	return s.HostNetworkSystem.RemovePortGroup(ctx, req)
}

func (s *netExt) vswitch(name string) (*types.HostVirtualSwitch, bool) {
	for i := range s.NetworkInfo.Vswitch {
		if s.NetworkInfo.Vswitch[i].Name == name {
			return &s.NetworkInfo.Vswitch[i], true
		}
	}
	return nil, false
}

// setSpec applies a spec the way a real host reports it back: the MTU
// (1500 when left out) and the uplinks as physical NIC keys.
func setSpec(vs *types.HostVirtualSwitch, spec types.HostVirtualSwitchSpec) {
	vs.Spec = spec
	vs.NumPorts = spec.NumPorts
	vs.Mtu = spec.Mtu
	if vs.Mtu == 0 {
		vs.Mtu = 1500
	}
	vs.Pnic = nil
	if bb, ok := spec.Bridge.(*types.HostVirtualSwitchBondBridge); ok {
		for _, nic := range bb.NicDevice {
			vs.Pnic = append(vs.Pnic, "key-vim.host.PhysicalNic-"+nic)
		}
	}
}

// inUse reports whether a VM on this host has an adapter on the network.
func (s *netExt) inUse(ctx *simulator.Context, network string) bool {
	for _, e := range ctx.Map.All("VirtualMachine") {
		vm, ok := e.(*simulator.VirtualMachine)
		if !ok {
			continue
		}
		var host *types.ManagedObjectReference
		var nets []types.ManagedObjectReference
		ctx.WithLock(vm, func() {
			host, nets = vm.Runtime.Host, slices.Clone(vm.Network)
		})
		if host == nil || s.Host == nil || *host != s.Host.Self {
			continue
		}
		for _, n := range nets {
			if ent, ok := ctx.Map.Get(n).(mo.Entity); ok && ent.Entity().Name == network {
				return true
			}
		}
	}
	return false
}

// realVSwitches gives the model's vSwitches what a real host reports and
// the simulator leaves out of HostNetworkSystem.networkInfo: their spec
// (vSwitch0's uplink vmnic0), MTU and physical NICs, copied from the
// host's configuration, so a second vSwitch cannot claim vmnic0 unseen.
func realVSwitches(m *simulator.Model) {
	for _, r := range m.Map().AllReference("HostNetworkSystem") {
		ns, ok := r.(*simulator.HostNetworkSystem)
		if !ok || ns.Host == nil || ns.Host.Config == nil || ns.Host.Config.Network == nil || ns.NetworkInfo == nil {
			continue
		}
		for i := range ns.NetworkInfo.Vswitch {
			vs := &ns.NetworkInfo.Vswitch[i]
			for _, cfg := range ns.Host.Config.Network.Vswitch {
				if cfg.Name == vs.Name {
					vs.Key, vs.NumPorts, vs.Mtu, vs.Pnic, vs.Spec = cfg.Key, cfg.NumPorts, cfg.Mtu, slices.Clone(cfg.Pnic), cfg.Spec
				}
			}
		}
	}
}
