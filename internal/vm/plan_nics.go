package vm

import (
	"fmt"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/esxi"
)

// networkName names the network a NIC is connected to.
func networkName(snap *esxi.Snapshot, c types.BaseVirtualDevice) string {
	switch b := card(c).Backing.(type) {
	case *types.VirtualEthernetCardNetworkBackingInfo:
		if b.Network != nil {
			for _, n := range snap.Networks {
				if n.Ref == *b.Network {
					return n.Name
				}
			}
		}
		return b.DeviceName
	case *types.VirtualEthernetCardDistributedVirtualPortBackingInfo:
		for _, n := range snap.Networks {
			if n.Ref.Value == b.Port.PortgroupKey {
				return n.Name
			}
		}
		return b.Port.PortgroupKey
	case *types.VirtualEthernetCardOpaqueNetworkBackingInfo:
		return b.OpaqueNetworkId
	}
	return ""
}

func (pl *planner) planNICs(p *plan) []error {
	cur := nics(pl.v.devices)
	match, err := matchNICs(pl.s.NICs, cur, pl.create || pl.match)
	if err != nil {
		return []error{err}
	}
	var errs []error
	p.nics = make([]PlannedNIC, len(pl.s.NICs))
	claimed := map[int]bool{}
	for i, n := range pl.s.NICs {
		net, err := pl.snap.FindNetwork(n.Network, pl.v.vm.Datacenter)
		if err != nil {
			e := lookupFieldErr("network_interface", "Network", err)
			e.Index, e.Sub = i, "network"
			errs = append(errs, e)
			continue
		}
		kind := orDefault(n.AdapterType, "vmxnet3")
		j := match[i]
		if j < 0 {
			if err := pl.addNIC(p, i, n, kind, net); err != nil {
				errs = append(errs, err)
			}
			p.changed(fmt.Sprintf("network_interface[%d]", i), false)
			continue
		}
		claimed[j] = true
		have := cur[j]
		hc := card(have)
		if esxi.AdapterType(have) != kind {
			if n.MAC != "" && validStaticMAC(n.MAC) != nil {
				errs = append(errs, listErr("network_interface", i, "adapter_type", "Adapter Type Cannot Change Here",
					"this block names the adapter by its generated MAC %s, and a new adapter type means a new adapter with a new address. Remove mac_address from the block (or set a static one) to replace the adapter, or keep adapter_type %s.", n.MAC, esxi.AdapterType(have)))
				continue
			}
			p.spec.DeviceChange = append(p.spec.DeviceChange, &types.VirtualDeviceConfigSpec{
				Operation: types.VirtualDeviceConfigSpecOperationRemove, Device: have})
			if err := pl.addNIC(p, i, n, kind, net); err != nil {
				errs = append(errs, err)
			}
			p.changed(fmt.Sprintf("network_interface[%d].adapter_type", i), false)
			continue
		}
		p.nics[i] = PlannedNIC{Existing: true, NICState: nicStateOf(pl.snap, have)}
		edit := false
		edited := cloneCard(have)
		cc := card(edited)
		if networkName(pl.snap, have) != net.Name {
			b, err := pl.backing(net)
			if err != nil {
				errs = append(errs, &FieldError{Field: "network_interface", Index: i, Sub: "network", Summary: "Network unusable", Detail: err.Error(), Err: err})
				continue
			}
			cc.Backing, edit = b, true
			p.nics[i].Network = net.Name
			p.changed(fmt.Sprintf("network_interface[%d].network", i), false)
		}
		static := hc.AddressType == string(types.VirtualEthernetCardMacTypeManual)
		if n.MAC != "" && validStaticMAC(n.MAC) == nil && (!static || normMAC(hc.MacAddress) != normMAC(n.MAC)) {
			cc.AddressType, cc.MacAddress, edit = string(types.VirtualEthernetCardMacTypeManual), normMAC(n.MAC), true
			p.nics[i].MAC, p.nics[i].StaticMAC = normMAC(n.MAC), true
			p.changed(fmt.Sprintf("network_interface[%d].mac_address", i), false)
		}
		if edit {
			p.spec.DeviceChange = append(p.spec.DeviceChange, &types.VirtualDeviceConfigSpec{
				Operation: types.VirtualDeviceConfigSpecOperationEdit, Device: edited})
		}
	}
	for j, have := range cur {
		if claimed[j] || match == nil {
			continue
		}
		p.spec.DeviceChange = append(p.spec.DeviceChange, &types.VirtualDeviceConfigSpec{
			Operation: types.VirtualDeviceConfigSpecOperationRemove, Device: have})
		p.changed(fmt.Sprintf("network interface %s removed", card(have).MacAddress), false)
	}
	return errs
}

func (pl *planner) addNIC(p *plan, i int, n NIC, kind string, net esxi.Network) error {
	b, err := pl.backing(net)
	if err != nil {
		return &FieldError{Field: "network_interface", Index: i, Sub: "network", Summary: "Network unusable", Detail: err.Error(), Err: err}
	}
	dev, err := object.VirtualDeviceList{}.CreateEthernetCard(kind, b)
	if err != nil {
		return listErr("network_interface", i, "adapter_type", "Invalid adapter type", "%v", err)
	}
	c := card(dev)
	c.Key = p.key()
	c.Connectable = &types.VirtualDeviceConnectInfo{StartConnected: true, AllowGuestControl: true, Connected: pl.poweredOn()}
	if n.Disconnected {
		// Not even the guest may connect it: a restore drill's VM must never
		// reach the network its backup's VM is on.
		c.Connectable = &types.VirtualDeviceConnectInfo{}
	}
	if n.MAC != "" {
		c.AddressType, c.MacAddress = string(types.VirtualEthernetCardMacTypeManual), normMAC(n.MAC)
	} else {
		c.AddressType = string(types.VirtualEthernetCardMacTypeGenerated)
	}
	p.spec.DeviceChange = append(p.spec.DeviceChange, &types.VirtualDeviceConfigSpec{
		Operation: types.VirtualDeviceConfigSpecOperationAdd, Device: dev})
	return nil
}

// cloneCard copies an adapter one level deep, so an edit never writes into
// the shared inventory read.
func cloneCard(c types.BaseVirtualDevice) types.BaseVirtualDevice {
	switch x := c.(type) {
	case *types.VirtualVmxnet3:
		y := *x
		return &y
	case *types.VirtualE1000e:
		y := *x
		return &y
	case *types.VirtualE1000:
		y := *x
		return &y
	case *types.VirtualVmxnet2:
		y := *x
		return &y
	case *types.VirtualPCNet32:
		y := *x
		return &y
	case *types.VirtualSriovEthernetCard:
		y := *x
		return &y
	case *types.VirtualVmxnet3Vrdma:
		y := *x
		return &y
	}
	return c
}
