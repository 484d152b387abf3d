package cloudinit

import (
	"fmt"
	"net/netip"
	"path"
	"regexp"
	"strconv"
	"strings"
)

// Readers for the outputs of systemd-networkd (.network files) and Debian's
// ifupdown (/etc/network/interfaces), and the key-file parser that the
// NetworkManager reader shares.

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
