package cloudinit

import (
	"fmt"
	"net/netip"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"

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

// iniSection is one [Section] of a systemd or NetworkManager key file;
// sections repeat ([Route]), so a file is a list of them.
type iniSection struct {
	name string
	kv   map[string][]string
}

func parseINI(text string) []iniSection {
	var out []iniSection
	for line := range strings.SplitSeq(text, "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "" || line[0] == '#' || line[0] == ';':
		case line[0] == '[' && strings.HasSuffix(line, "]"):
			out = append(out, iniSection{name: line[1 : len(line)-1], kv: map[string][]string{}})
		case len(out) > 0:
			k, v, _ := strings.Cut(line, "=")
			out[len(out)-1].kv[k] = append(out[len(out)-1].kv[k], v)
		}
	}
	return out
}

func (s iniSection) get(k string) string {
	if v := s.kv[k]; len(v) > 0 {
		return v[len(v)-1]
	}
	return ""
}

// readNetworkd reads systemd-networkd .network files.
func readNetworkd(f netFacts, files map[string]string) error {
	for p, text := range files {
		if path.Ext(p) != ".network" {
			continue
		}
		secs := parseINI(text)
		var name string
		for _, s := range secs {
			if s.name == "Match" {
				name = s.get("Name")
			}
		}
		if name == "" {
			return fmt.Errorf("%s: no [Match] Name=", p)
		}
		i := f.iface(name)
		for _, s := range secs {
			switch s.name {
			case "Match":
				i.MAC = strings.ToLower(s.get("MACAddress"))
			case "Link":
				i.MTU, _ = strconv.Atoi(s.get("MTUBytes"))
			case "Network":
				switch s.get("DHCP") {
				case "yes":
					i.DHCP4, i.DHCP6 = true, true
				case "ipv4":
					i.DHCP4 = true
				case "ipv6":
					i.DHCP6 = true
				}
				for _, v := range s.kv["DNS"] {
					i.Nameservers = append(i.Nameservers, strings.Fields(v)...)
				}
				for _, v := range s.kv["Domains"] {
					i.Search = append(i.Search, strings.Fields(v)...)
				}
				for _, v := range s.kv["Address"] {
					if err := i.address(v); err != nil {
						return err
					}
				}
				for _, v := range s.kv["Gateway"] {
					if err := i.route("default", v); err != nil {
						return err
					}
				}
			case "Address":
				if err := i.address(s.get("Address")); err != nil {
					return err
				}
			case "Route":
				var opts []string
				if m := s.get("Metric"); m != "" {
					opts = append(opts, "metric "+m)
				}
				if s.get("GatewayOnLink") == "yes" || s.get("GatewayOnLink") == "true" {
					opts = append(opts, "on-link")
				}
				if err := i.route(s.get("Destination"), s.get("Gateway"), opts...); err != nil {
					return fmt.Errorf("%s: %w", p, err)
				}
			}
		}
	}
	return nil
}

var reUdevRule = regexp.MustCompile(`ATTR\{address\}=="([0-9a-fA-F:]+)", NAME="([^"]+)"`)

// udevNames maps interface names to the MAC addresses cloud-init's udev
// rules rename to them (eni and sysconfig write them).
func udevNames(files map[string]string) map[string]string {
	out := map[string]string{}
	for _, m := range reUdevRule.FindAllStringSubmatch(files["etc/udev/rules.d/70-persistent-net.rules"], -1) {
		out[m[2]] = strings.ToLower(m[1])
	}
	return out
}

// readENI reads Debian ifupdown's /etc/network/interfaces stanzas.
func readENI(f netFacts, files map[string]string) error {
	text, ok := files["etc/network/interfaces.d/50-cloud-init"]
	if !ok {
		return fmt.Errorf("no etc/network/interfaces.d/50-cloud-init in %v", keys(files))
	}
	macs := udevNames(files)
	var i *ifaceFacts
	for line := range strings.SplitSeq(text, "\n") {
		w := strings.Fields(line)
		if len(w) == 0 || strings.HasPrefix(w[0], "#") {
			continue
		}
		if w[0] == "auto" || w[0] == "allow-hotplug" {
			continue
		}
		if w[0] == "iface" {
			if len(w) < 4 {
				return fmt.Errorf("eni: short stanza %q", line)
			}
			if w[1] == "lo" {
				i = f.iface(resolver)
				continue
			}
			i = f.iface(w[1])
			i.MAC = macs[w[1]]
			switch {
			case w[2] == "inet" && w[3] == "dhcp":
				i.DHCP4 = true
			case w[2] == "inet6" && (w[3] == "dhcp" || w[3] == "auto"):
				i.DHCP6 = true
			}
			continue
		}
		if i == nil {
			continue
		}
		var err error
		switch w[0] {
		case "address":
			err = i.address(w[1])
		case "gateway":
			err = i.route("default", w[1])
		case "dns-nameservers":
			i.Nameservers = append(i.Nameservers, w[1:]...)
		case "dns-search":
			i.Search = append(i.Search, w[1:]...)
		case "mtu":
			i.MTU, err = strconv.Atoi(w[1])
		case "post-up":
			err = eniRoute(i, w[1:])
		}
		if err != nil {
			return fmt.Errorf("eni: %q: %w", line, err)
		}
	}
	return nil
}

// eniRoute reads `route add [-A inet6] (default | -net D | -host D | D)
// [netmask M] gw G [metric N] || true`.
func eniRoute(i *ifaceFacts, w []string) error {
	if len(w) < 2 || w[0] != "route" || w[1] != "add" {
		return nil
	}
	var dest, netmask, gw, metric string
	for k := 2; k < len(w); k++ {
		next := func() string {
			if k+1 < len(w) {
				k++
				return w[k]
			}
			return ""
		}
		switch w[k] {
		case "-A":
			next()
		case "default":
			dest = "default"
		case "-net", "-host":
			dest = next()
		case "netmask":
			netmask = next()
		case "gw":
			gw = next()
		case "metric":
			metric = "metric " + next()
		case "||":
			k = len(w)
		default:
			// IPv6 routes name the destination without -net.
			if dest == "" {
				dest = w[k]
			}
		}
	}
	if netmask != "" {
		bits, err := maskBits(netmask)
		if err != nil {
			return err
		}
		dest += "/" + strconv.Itoa(bits)
	} else if dest != "default" && !strings.Contains(dest, "/") {
		dest += "/32"
	}
	return i.route(dest, gw, metric)
}

func maskBits(mask string) (int, error) {
	a, err := netip.ParseAddr(mask)
	if err != nil || !a.Is4() {
		return 0, fmt.Errorf("netmask %q", mask)
	}
	b := a.As4()
	n := 0
	for _, octet := range b {
		for bit := 7; bit >= 0; bit-- {
			if octet&(1<<bit) == 0 {
				return n, nil
			}
			n++
		}
	}
	return n, nil
}
