package hostnet

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/vmware/govmomi/property"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/esxi"
)

// Manager runs host networking operations against one endpoint; it is
// safe for concurrent use.
type Manager struct{ client *esxi.Client }

// New returns a Manager over a connected client.
func New(c *esxi.Client) *Manager { return &Manager{client: c} }

// hostNet is one host's network configuration as read for a decision.
type hostNet struct {
	host   esxi.Host
	system types.ManagedObjectReference // the host's HostNetworkSystem
	info   *types.HostNetworkInfo
	pnics  []string // physical NIC device names, e.g. vmnic0
	vms    []esxi.VM
}

// Host resolves the host attribute: a name or inventory path, or "" for
// the only host in the datacenter.
func (m *Manager) host(ctx context.Context, name, datacenter string) (esxi.Host, []esxi.VM, error) {
	snap, err := m.client.Inventory.Get(ctx)
	if err != nil {
		return esxi.Host{}, nil, err
	}
	h, err := snap.FindHost(name, datacenter)
	if err != nil {
		detail := err.Error() + "."
		if name == "" {
			detail += " Set host to the name of the ESXi host whose networking this is."
		}
		return esxi.Host{}, nil, &FieldError{Field: "host", Summary: "Cannot Find Host", Detail: detail, Err: err}
	}
	var vms []esxi.VM
	for _, v := range snap.VMs {
		if v.HostRef == h.Ref {
			vms = append(vms, v)
		}
	}
	return h, vms, nil
}

// read returns the host's network configuration, fresh from the host.
func (m *Manager) read(ctx context.Context, hostName, datacenter string) (*hostNet, error) {
	h, vms, err := m.host(ctx, hostName, datacenter)
	if err != nil {
		return nil, err
	}
	hn := &hostNet{host: h, vms: vms}
	err = m.client.Pool.WithSession(ctx, func(ctx context.Context, s *esxi.Session) error {
		pc := property.DefaultCollector(s.Client)
		var hs mo.HostSystem
		if err := pc.RetrieveOne(ctx, h.Ref, []string{"configManager.networkSystem", "config.network.pnic"}, &hs); err != nil {
			return esxi.Wrap("read the network configuration of host "+h.Name, err)
		}
		if hs.ConfigManager.NetworkSystem == nil {
			return fmt.Errorf("host %s has no network system: it is not connected or not an ESXi host", h.Name)
		}
		hn.system = *hs.ConfigManager.NetworkSystem
		if hs.Config != nil && hs.Config.Network != nil {
			for _, p := range hs.Config.Network.Pnic {
				hn.pnics = append(hn.pnics, p.Device)
			}
		}
		var ns mo.HostNetworkSystem
		if err := pc.RetrieveOne(ctx, hn.system, []string{"networkInfo"}, &ns); err != nil {
			return esxi.Wrap("read the network configuration of host "+h.Name, err)
		}
		hn.info = ns.NetworkInfo
		if hn.info == nil {
			hn.info = &types.HostNetworkInfo{}
		}
		return nil
	})
	return hn, err
}

// vswitch returns the host's vSwitch by name.
func (hn *hostNet) vswitch(name string) (*types.HostVirtualSwitch, bool) {
	for i := range hn.info.Vswitch {
		if hn.info.Vswitch[i].Name == name {
			return &hn.info.Vswitch[i], true
		}
	}
	return nil, false
}

// portgroup returns the host's port group by name.
func (hn *hostNet) portgroup(name string) (*types.HostPortGroup, bool) {
	for i := range hn.info.Portgroup {
		if hn.info.Portgroup[i].Spec.Name == name {
			return &hn.info.Portgroup[i], true
		}
	}
	return nil, false
}

// users lists the VMs on the host with an adapter on one of the networks.
func (hn *hostNet) users(networks ...string) []string {
	var out []string
	for _, v := range hn.vms {
		for _, n := range v.Networks {
			if slices.Contains(networks, n) {
				out = append(out, v.Name)
				break
			}
		}
	}
	sort.Strings(out)
	return out
}

// uplinkOwners maps each physical NIC that bridges a vSwitch to it.
func (hn *hostNet) uplinkOwners() map[string]string {
	out := map[string]string{}
	for _, vs := range hn.info.Vswitch {
		for _, nic := range bridgeNICs(vs.Spec.Bridge) {
			out[nic] = vs.Name
		}
	}
	return out
}

// checkUplinks refuses uplinks the host does not have, or that bridge
// another vSwitch (a physical NIC can serve one standard vSwitch).
func (hn *hostNet) checkUplinks(vswitch string, uplinks []string) error {
	owners := hn.uplinkOwners()
	for _, u := range uplinks {
		if !slices.Contains(hn.pnics, u) {
			return &FieldError{Field: "uplinks", Summary: "No Such Physical NIC",
				Detail: fmt.Sprintf("Host %s has no physical NIC %q; it has %s.", hn.host.Name, u, strings.Join(hn.pnics, ", "))}
		}
		if o, ok := owners[u]; ok && o != vswitch {
			return &FieldError{Field: "uplinks", Summary: "Physical NIC In Use",
				Detail: fmt.Sprintf("Physical NIC %s of host %s is an uplink of vSwitch %s; a NIC serves one standard vSwitch. Remove it there first, or pick another NIC.", u, hn.host.Name, o)}
		}
	}
	return nil
}

func bridgeNICs(b types.BaseHostVirtualSwitchBridge) []string {
	if bb, ok := b.(*types.HostVirtualSwitchBondBridge); ok {
		return bb.NicDevice
	}
	return nil
}

// write runs fn with a pooled session and drops the shared read afterwards
// (a new port group is a new network in the inventory).
func (m *Manager) write(ctx context.Context, fn func(ctx context.Context, s *esxi.Session) error) error {
	defer m.client.Inventory.Invalidate()
	return m.client.Pool.WithSession(ctx, fn)
}

// API is what the Terraform glue needs from this package; *Manager
// implements it.
type API interface {
	ReadVSwitch(ctx context.Context, host, datacenter, name string) (*VSwitch, error)
	PlanVSwitch(ctx context.Context, datacenter string, want VSwitch, exists bool) (string, error)
	CreateVSwitch(ctx context.Context, datacenter string, want VSwitch) (*VSwitch, error)
	UpdateVSwitch(ctx context.Context, datacenter string, want VSwitch) (*VSwitch, error)
	CheckDeleteVSwitch(ctx context.Context, host, datacenter, name string, leaving func(vm string) bool) error
	DeleteVSwitch(ctx context.Context, host, datacenter, name string) error
	ReadPortGroup(ctx context.Context, host, datacenter, name string) (*PortGroup, error)
	PlanPortGroup(ctx context.Context, datacenter string, want PortGroup, exists bool, arriving func(vswitch string) bool) (string, error)
	CreatePortGroup(ctx context.Context, datacenter string, want PortGroup) (*PortGroup, error)
	UpdatePortGroup(ctx context.Context, datacenter string, want PortGroup) (*PortGroup, error)
	CheckDeletePortGroup(ctx context.Context, host, datacenter, name string, leaving func(vm string) bool) error
	DeletePortGroup(ctx context.Context, host, datacenter, name string) error
}

var _ API = (*Manager)(nil)
