package cloudinit

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"

	"go.yaml.in/yaml/v3"
)

// This file reads back what each cloud-init renderer wrote, so a test can
// compare it with what the spec asked for. Each reader knows one output
// format, as cloud-init 22.4 writes it, and reduces it to ifaceFacts.

// ifaceFacts is what a renderer's output configures on one interface.
// Addresses and routes are in canonical netip form; lists are sorted.
type ifaceFacts struct {
	MAC          string
	DHCP4, DHCP6 bool
	Addresses    []string
	// Gateways are the next hops of default routes (0.0.0.0/0 and ::/0).
	Gateways []string
	// Routes are the other routes, as "10.0.0.0/8 via 192.0.2.1".
	Routes      []string
	Nameservers []string
	Search      []string
	MTU         int
	// Options holds route options by route ("metric 100", "on-link"); only
	// some renderers keep them, so tests compare it where they do.
	Options map[string][]string `cmp:"-"`
}

// netFacts holds ifaceFacts by interface name.
type netFacts map[string]*ifaceFacts

// resolver is the netFacts key of name servers and search domains written
// for the whole host rather than for an interface (eni puts them on the
// loopback stanza, sysconfig into /etc/resolv.conf).
const resolver = "(resolver)"

// attributeResolver moves the host-wide name servers and search domains to
// the interfaces of want that ask for them: the guest uses them all the
// same. Entries no interface asks for stay under resolver, so the
// comparison still reports them.
func (f netFacts) attributeResolver(want netFacts) {
	host := f[resolver]
	if host == nil {
		return
	}
	used := map[string]bool{}
	for name, w := range want {
		g := f.iface(name)
		for _, ns := range w.Nameservers {
			if slices.Contains(host.Nameservers, ns) {
				g.Nameservers = append(g.Nameservers, ns)
				used[ns] = true
			}
		}
		for _, d := range w.Search {
			if slices.Contains(host.Search, d) {
				g.Search = append(g.Search, d)
				used[d] = true
			}
		}
	}
	host.Nameservers = slices.DeleteFunc(host.Nameservers, func(s string) bool { return used[s] })
	host.Search = slices.DeleteFunc(host.Search, func(s string) bool { return used[s] })
	if len(host.Nameservers)+len(host.Search) == 0 {
		delete(f, resolver)
	}
	f.sortAll()
}

func (f netFacts) iface(name string) *ifaceFacts {
	if f[name] == nil {
		f[name] = &ifaceFacts{Options: map[string][]string{}}
	}
	return f[name]
}

// route records a route; a zero-length prefix makes it a default route.
func (i *ifaceFacts) route(dest, via string, opts ...string) error {
	gw, err := netip.ParseAddr(via)
	if err != nil {
		return fmt.Errorf("route to %q: gateway %q: %w", dest, via, err)
	}
	if dest == "" || dest == "default" {
		dest = "0.0.0.0/0"
		if gw.Is6() {
			dest = "::/0"
		}
	}
	pfx, err := netip.ParsePrefix(dest)
	if err != nil {
		return fmt.Errorf("route via %s: destination %q: %w", via, dest, err)
	}
	key := pfx.String() + " via " + gw.String()
	if pfx.Bits() == 0 {
		i.Gateways = append(i.Gateways, gw.String())
	} else {
		i.Routes = append(i.Routes, key)
	}
	for _, o := range opts {
		if o != "" {
			i.Options[key] = append(i.Options[key], o)
		}
	}
	return nil
}

func (i *ifaceFacts) address(a string) error {
	pfx, err := netip.ParsePrefix(a)
	if err != nil {
		return fmt.Errorf("address %q: %w", a, err)
	}
	i.Addresses = append(i.Addresses, pfx.String())
	return nil
}

// sortAll makes the facts comparable: sorted lists, no duplicates (a name
// server written for both families of one interface is one name server).
func (f netFacts) sortAll() {
	for _, i := range f {
		for _, l := range []*[]string{&i.Addresses, &i.Gateways, &i.Routes, &i.Nameservers, &i.Search} {
			slices.Sort(*l)
			*l = slices.Compact(*l)
		}
	}
}

// readFacts dispatches on the renderer.
func readFacts(renderer string, files map[string]string) (netFacts, error) {
	f := netFacts{}
	var err error
	switch renderer {
	case "netplan":
		err = readNetplan(f, files)
	case "networkd":
		err = readNetworkd(f, files)
	case "eni":
		err = readENI(f, files)
	case "sysconfig":
		err = readSysconfig(f, files)
	case "network-manager":
		err = readNetworkManager(f, files)
	default:
		err = fmt.Errorf("no reader for renderer %q", renderer)
	}
	f.sortAll()
	return f, err
}

// readNetplan reads the file cloud-init hands to netplan unchanged
// (passthrough), as netplan reads it: set-name names the interface.
func readNetplan(f netFacts, files map[string]string) error {
	var doc struct {
		Network struct {
			Ethernets map[string]struct {
				Match struct {
					MACAddress string `yaml:"macaddress"`
				} `yaml:"match"`
				SetName   string   `yaml:"set-name"`
				DHCP4     bool     `yaml:"dhcp4"`
				DHCP6     bool     `yaml:"dhcp6"`
				Addresses []string `yaml:"addresses"`
				Gateway4  string   `yaml:"gateway4"`
				Gateway6  string   `yaml:"gateway6"`
				Routes    []struct {
					To     string `yaml:"to"`
					Via    string `yaml:"via"`
					Metric *int   `yaml:"metric"`
					OnLink bool   `yaml:"on-link"`
				} `yaml:"routes"`
				Nameservers struct {
					Addresses []string `yaml:"addresses"`
					Search    []string `yaml:"search"`
				} `yaml:"nameservers"`
				MTU int `yaml:"mtu"`
			} `yaml:"ethernets"`
		} `yaml:"network"`
	}
	text, ok := files["etc/netplan/50-cloud-init.yaml"]
	if !ok {
		return fmt.Errorf("no etc/netplan/50-cloud-init.yaml in %v", keys(files))
	}
	if err := yaml.Unmarshal([]byte(text), &doc); err != nil {
		return err
	}
	for id, e := range doc.Network.Ethernets {
		name := id
		if e.SetName != "" {
			name = e.SetName
		}
		i := f.iface(name)
		i.MAC, i.DHCP4, i.DHCP6, i.MTU = e.Match.MACAddress, e.DHCP4, e.DHCP6, e.MTU
		for _, a := range e.Addresses {
			if err := i.address(a); err != nil {
				return err
			}
		}
		for _, gw := range []string{e.Gateway4, e.Gateway6} {
			if gw != "" {
				if err := i.route("default", gw); err != nil {
					return err
				}
			}
		}
		for _, r := range e.Routes {
			var opts []string
			if r.Metric != nil {
				opts = append(opts, "metric "+strconv.Itoa(*r.Metric))
			}
			if r.OnLink {
				opts = append(opts, "on-link")
			}
			if err := i.route(r.To, r.Via, opts...); err != nil {
				return err
			}
		}
		i.Nameservers, i.Search = e.Nameservers.Addresses, e.Nameservers.Search
	}
	return nil
}
