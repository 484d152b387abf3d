// Package hostnet is the domain logic of ceso_vswitch and ceso_portgroup:
// standard virtual switches and their port groups on one ESXi host, through
// the host's HostNetworkSystem (on vCenter, the host named by the resource).
// It holds no Terraform types; the provider package translates.
//
// A vSwitch and a port group are identified by their name on their host,
// which is how the host itself keys them. A port group that VMs use is
// never removed: the refusal names the VMs, at plan and again at apply.
package hostnet
