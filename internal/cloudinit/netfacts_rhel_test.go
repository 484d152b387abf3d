package cloudinit

import (
	"fmt"
	"maps"
	"path"
	"slices"
	"strconv"
	"strings"
)

// Readers for the RHEL-family outputs: sysconfig (ifcfg and route files of
// network-scripts) and NetworkManager key files.

// parseShellVars reads KEY=value lines, unquoting "value".
func parseShellVars(text string) map[string]string {
	out := map[string]string{}
	for line := range strings.SplitSeq(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		if uq, err := strconv.Unquote(v); err == nil {
			v = uq
		}
		out[k] = v
	}
	return out
}

// readSysconfig reads network-scripts' ifcfg-NAME, route-NAME and
// route6-NAME files.
func readSysconfig(f netFacts, files map[string]string) error {
	const dir = "etc/sysconfig/network-scripts/"
	for p, text := range files {
		base, isScript := strings.CutPrefix(p, dir)
		var err error
		switch {
		case p == "etc/resolv.conf":
			err = resolvConf(f.iface(resolver), text)
		case !isScript:
		case strings.HasPrefix(base, "ifcfg-"):
			err = sysconfigIfcfg(f.iface(strings.TrimPrefix(base, "ifcfg-")), parseShellVars(text))
		case strings.HasPrefix(base, "route6-"):
			err = sysconfigRoute6(f.iface(strings.TrimPrefix(base, "route6-")), text)
		case strings.HasPrefix(base, "route-"):
			err = sysconfigRoute(f.iface(strings.TrimPrefix(base, "route-")), parseShellVars(text))
		}
		if err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
	}
	// A route file of an interface without an ifcfg file would configure
	// nothing; an empty one is harmless, but it must not invent an interface.
	for name, i := range f {
		if _, ok := files[dir+"ifcfg-"+name]; !ok && name != resolver {
			if len(i.Routes)+len(i.Gateways) > 0 {
				return fmt.Errorf("routes for %s, which has no ifcfg file", name)
			}
			delete(f, name)
		}
	}
	return nil
}

func sysconfigIfcfg(i *ifaceFacts, v map[string]string) error {
	i.MAC = strings.ToLower(v["HWADDR"])
	i.DHCP4 = v["BOOTPROTO"] == "dhcp"
	i.DHCP6 = v["DHCPV6C"] == "yes"
	if v["MTU"] != "" {
		i.MTU, _ = strconv.Atoi(v["MTU"])
	}
	// IPADDR/NETMASK, then IPADDR1/NETMASK1, ...
	for n := 0; ; n++ {
		suffix := ""
		if n > 0 {
			suffix = strconv.Itoa(n)
		}
		addr, ok := v["IPADDR"+suffix]
		if !ok {
			if n == 0 {
				continue
			}
			break
		}
		bits := v["PREFIX"+suffix]
		if m := v["NETMASK"+suffix]; m != "" {
			b, err := maskBits(m)
			if err != nil {
				return err
			}
			bits = strconv.Itoa(b)
		}
		if err := i.address(addr + "/" + bits); err != nil {
			return err
		}
	}
	for _, a := range append(strings.Fields(v["IPV6ADDR"]), strings.Fields(v["IPV6ADDR_SECONDARIES"])...) {
		if err := i.address(a); err != nil {
			return err
		}
	}
	for _, k := range []string{"GATEWAY", "IPV6_DEFAULTGW"} {
		if gw := v[k]; gw != "" {
			if err := i.route("default", gw); err != nil {
				return err
			}
		}
	}
	for n := 1; v["DNS"+strconv.Itoa(n)] != ""; n++ {
		i.Nameservers = append(i.Nameservers, v["DNS"+strconv.Itoa(n)])
	}
	i.Search = append(i.Search, strings.Fields(v["DOMAIN"])...)
	return nil
}

// resolvConf reads nameserver and search lines.
func resolvConf(i *ifaceFacts, text string) error {
	for line := range strings.SplitSeq(text, "\n") {
		w := strings.Fields(line)
		switch {
		case len(w) < 2:
		case w[0] == "nameserver":
			i.Nameservers = append(i.Nameservers, w[1])
		case w[0] == "search" || w[0] == "domain":
			i.Search = append(i.Search, w[1:]...)
		}
	}
	return nil
}

// sysconfigRoute reads ADDRESSn, NETMASKn, GATEWAYn, METRICn.
func sysconfigRoute(i *ifaceFacts, v map[string]string) error {
	for _, k := range slices.Sorted(maps.Keys(v)) {
		n, ok := strings.CutPrefix(k, "ADDRESS")
		if !ok {
			continue
		}
		bits, err := maskBits(v["NETMASK"+n])
		if err != nil {
			return err
		}
		var metric string
		if m := v["METRIC"+n]; m != "" {
			metric = "metric " + m
		}
		if err := i.route(v[k]+"/"+strconv.Itoa(bits), v["GATEWAY"+n], metric); err != nil {
			return err
		}
	}
	return nil
}

// sysconfigRoute6 reads `DEST via GW [metric N] dev NAME` lines.
func sysconfigRoute6(i *ifaceFacts, text string) error {
	for line := range strings.SplitSeq(text, "\n") {
		w := strings.Fields(line)
		if len(w) == 0 || strings.HasPrefix(w[0], "#") {
			continue
		}
		if len(w) < 3 || w[1] != "via" {
			return fmt.Errorf("route6 line %q", line)
		}
		var metric string
		if k := slices.Index(w, "metric"); k > 0 && k+1 < len(w) {
			metric = "metric " + w[k+1]
		}
		if err := i.route(w[0], w[2], metric); err != nil {
			return err
		}
	}
	return nil
}

// readNetworkManager reads NetworkManager key files, one connection per
// interface, named "cloud-init NAME".
func readNetworkManager(f netFacts, files map[string]string) error {
	for p, text := range files {
		if path.Ext(p) != ".nmconnection" {
			continue
		}
		secs := parseINI(text)
		var name string
		for _, s := range secs {
			if s.name == "connection" {
				name = strings.TrimPrefix(s.get("id"), "cloud-init ")
			}
		}
		if name == "" {
			return fmt.Errorf("%s: no [connection] id=", p)
		}
		i := f.iface(name)
		for _, s := range secs {
			switch s.name {
			case "ethernet":
				i.MAC = strings.ToLower(s.get("mac-address"))
				if m := s.get("mtu"); m != "" {
					i.MTU, _ = strconv.Atoi(m)
				}
			case "ipv4", "ipv6":
				if err := nmIP(i, s); err != nil {
					return fmt.Errorf("%s: %w", p, err)
				}
			}
		}
	}
	return nil
}

func nmIP(i *ifaceFacts, s iniSection) error {
	switch m := s.get("method"); {
	case s.name == "ipv4" && m == "auto":
		i.DHCP4 = true
	case s.name == "ipv6" && (m == "auto" || m == "dhcp"):
		i.DHCP6 = true
	}
	for _, k := range slices.Sorted(maps.Keys(s.kv)) {
		v := s.get(k)
		var err error
		switch {
		case strings.HasPrefix(k, "address"):
			// addressN=ADDR/PREFIX[,GATEWAY]
			a, gw, _ := strings.Cut(v, ",")
			err = i.address(a)
			if err == nil && gw != "" {
				err = i.route("default", gw)
			}
		case k == "gateway":
			err = i.route("default", v)
		case strings.HasPrefix(k, "route") && !strings.Contains(k, "_"):
			// routeN=DEST/PREFIX[,NEXT_HOP[,METRIC]]
			parts := strings.Split(v, ",")
			var gw, metric string
			if len(parts) > 1 {
				gw = parts[1]
			}
			if len(parts) > 2 {
				metric = "metric " + parts[2]
			}
			err = i.route(parts[0], gw, metric)
		case k == "dns":
			i.Nameservers = append(i.Nameservers, strings.FieldsFunc(v, isSemicolon)...)
		case k == "dns-search":
			i.Search = append(i.Search, strings.FieldsFunc(v, isSemicolon)...)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func isSemicolon(r rune) bool { return r == ';' }

func keys(m map[string]string) []string { return slices.Sorted(maps.Keys(m)) }
