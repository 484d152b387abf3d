package cloudinit

import (
	"strings"

	"go.yaml.in/yaml/v3"
)

// This file renders the network configuration: netplan v2, in the subset
// cloud-init's own renderers also read (see doc.go).

// defaultRoute4 is the IPv4 default route as every renderer reads it.
const defaultRoute4 = "0.0.0.0/0"

// EthernetID is the netplan id of interface ifc: its name, or
// "mac-" and the MAC's hex digits when it is matched by MAC only (16
// characters, so it cannot collide with a kernel interface name).
func EthernetID(ifc Interface) string {
	if ifc.Name != "" {
		return ifc.Name
	}
	mac, _ := normalizeMAC(ifc.MACAddress)
	return "mac-" + strings.ReplaceAll(mac, ":", "")
}

func networkNode(n *Network) *yaml.Node {
	eths := mapping()
	for _, ifc := range n.Interfaces {
		e := mapping()
		if ifc.MACAddress != "" {
			mac, _ := normalizeMAC(ifc.MACAddress)
			match := mapping()
			match.put("macaddress", str(mac))
			e.put("match", match.Node)
			if ifc.Name != "" {
				e.put("set-name", str(ifc.Name))
			}
		}
		if ifc.DHCP4 {
			e.put("dhcp4", boolean(true))
		}
		if ifc.DHCP6 {
			e.put("dhcp6", boolean(true))
		}
		if len(ifc.Addresses) > 0 {
			e.put("addresses", strSeq(ifc.Addresses))
		}
		// Default gateways in the one form every cloud-init renderer reads
		// (checked with the real cloud-init, see netconvert_test.go): only
		// netplan reads "to: default"; cloud-init's own conversion (networkd,
		// eni, sysconfig, NetworkManager) refuses it, and turns "::/0" into
		// "::/64". So IPv4 is a route to 0.0.0.0/0 and IPv6 the gateway6
		// key, which netplan still reads (it only warns that it is
		// deprecated).
		if ifc.Gateway6 != "" {
			e.put("gateway6", str(ifc.Gateway6))
		}
		routes := seq()
		if ifc.Gateway4 != "" {
			r := mapping()
			r.put("to", str(defaultRoute4))
			r.put("via", str(ifc.Gateway4))
			routes.Content = append(routes.Content, r.Node)
		}
		for _, rt := range ifc.Routes {
			r := mapping()
			to := rt.To
			if to == "default" {
				// Validation refuses an IPv6 default route here.
				to = defaultRoute4
			}
			r.put("to", str(to))
			r.put("via", str(rt.Via))
			if rt.Metric != 0 {
				r.put("metric", integer(rt.Metric))
			}
			if rt.OnLink {
				r.put("on-link", boolean(true))
			}
			routes.Content = append(routes.Content, r.Node)
		}
		if len(routes.Content) > 0 {
			e.put("routes", routes)
		}
		if len(ifc.Nameservers) > 0 || len(ifc.SearchDomains) > 0 {
			ns := mapping()
			if len(ifc.Nameservers) > 0 {
				ns.put("addresses", strSeq(ifc.Nameservers))
			}
			if len(ifc.SearchDomains) > 0 {
				ns.put("search", strSeq(ifc.SearchDomains))
			}
			e.put("nameservers", ns.Node)
		}
		if ifc.MTU != 0 {
			e.put("mtu", integer(ifc.MTU))
		}
		eths.put(EthernetID(ifc), e.Node)
	}
	net := mapping()
	net.put("version", integer(2))
	net.put("ethernets", eths.Node)
	return net.Node
}
