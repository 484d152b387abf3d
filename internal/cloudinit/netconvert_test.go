package cloudinit

import (
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"go.yaml.in/yaml/v3"
)

// cloud-init renders the network configuration itself on most guests; only
// where netplan is the renderer (Ubuntu) does it pass the netplan v2 text
// through. A key that netplan reads but cloud-init's own conversion does
// not leaves those guests without a network, so every rendered network goes
// through `cloud-init devel net-convert` for each renderer, and the test
// compares what the renderer wrote with what the spec asked for.

// renderers are cloud-init's network renderers, each with a distribution
// that uses it.
var renderers = []struct {
	name, distro string
	// keepsRouteOptions: the renderer keeps a route's metric and on-link.
	// cloud-init 22.4 drops both when it converts netplan v2 itself; only
	// the netplan passthrough keeps them.
	keepsRouteOptions bool
	// dnsNeedsStatic: the renderer drops the name servers and search
	// domains of an interface without a static address (cloud-init 22.4
	// hangs them on static subnets only; NetworkManager has no host-wide
	// place for them). DHCP supplies them there.
	dnsNeedsStatic bool
}{
	{"netplan", "ubuntu", true, false},
	{"networkd", "debian", false, false},
	{"eni", "debian", false, false},
	{"sysconfig", "rhel", false, false},
	{"network-manager", "fedora", false, true},
}

// networkShapes are generated configurations, each exercising a feature
// the golden files do not, or a combination of them.
var networkShapes = []struct {
	name string
	net  Network
}{
	{"ipv4 static by name", Network{Interfaces: []Interface{{
		Name: "eth0", Addresses: []string{"198.51.100.7/25"}, Gateway4: "198.51.100.1",
		Nameservers: []string{"198.51.100.53"}, SearchDomains: []string{"a.example", "b.example"},
	}}}},
	{"mac only dhcp", Network{Interfaces: []Interface{{
		MACAddress: "00:50:56:12:34:56", DHCP4: true,
	}}}},
	{"mac and set-name with routes", Network{Interfaces: []Interface{{
		Name: "lan0", MACAddress: "00:50:56:AA:00:01", Addresses: []string{"10.1.2.3/24"}, Gateway4: "10.1.2.1",
		Routes: []Route{
			{To: "10.50.0.0/16", Via: "10.1.2.254", Metric: 200},
			{To: "192.0.2.77/32", Via: "10.1.2.253"},
		},
		MTU: 1450,
	}}}},
	{"ipv6 only", Network{Interfaces: []Interface{{
		Name: "ens192", Addresses: []string{"2001:db8:10::5/64"}, Gateway6: "2001:db8:10::1",
		Nameservers: []string{"2001:db8:10::53"}, SearchDomains: []string{"v6.example"},
		Routes: []Route{{To: "2001:db8:20::/48", Via: "2001:db8:10::fe", Metric: 10}},
	}}}},
	{"ipv6 only link-local gateway", Network{Interfaces: []Interface{{
		Name: "ens192", Addresses: []string{"2001:db8:30::5/64"}, Gateway6: "fe80::1",
	}}}},
	{"dual stack", Network{Interfaces: []Interface{{
		Name: "ens192", MACAddress: "00:50:56:00:d5:01",
		Addresses: []string{"192.0.2.20/24", "2001:db8:1::20/64"},
		Gateway4:  "192.0.2.1", Gateway6: "2001:db8:1::1",
		Nameservers: []string{"192.0.2.53", "2001:db8:1::53"}, SearchDomains: []string{"example.com"},
	}}}},
	{"several addresses per family", Network{Interfaces: []Interface{{
		Name: "ens192", Addresses: []string{"192.0.2.20/24", "192.0.2.21/24", "2001:db8:1::20/64", "2001:db8:1::21/64"},
		Gateway4: "192.0.2.1", Gateway6: "2001:db8:1::1",
	}}}},
	{"dhcp4 and dhcp6", Network{Interfaces: []Interface{{
		Name: "ens192", DHCP4: true, DHCP6: true,
		Nameservers: []string{"192.0.2.53"}, SearchDomains: []string{"corp.example"},
	}}}},
	{"dhcp6 with static ipv4", Network{Interfaces: []Interface{{
		Name: "ens192", DHCP6: true, Addresses: []string{"192.0.2.30/24"}, Gateway4: "192.0.2.1",
	}}}},
	{"default route in routes and on-link", Network{Interfaces: []Interface{
		{Name: "wan0", MACAddress: "00:50:56:00:0a:01", Addresses: []string{"203.0.113.10/24"},
			Routes: []Route{{To: "default", Via: "203.0.113.1", Metric: 50}}},
		{Name: "lan0", MACAddress: "00:50:56:00:0a:02", Addresses: []string{"10.0.0.10/24"},
			Routes: []Route{
				{To: "0.0.0.0/0", Via: "10.0.0.1", Metric: 500},
				{To: "172.20.0.0/16", Via: "10.0.9.1", OnLink: true},
			}},
	}}},
	{"three nics mixed", Network{Interfaces: []Interface{
		{Name: "mgmt0", MACAddress: "00:50:56:00:0b:01", DHCP4: true},
		{MACAddress: "00:50:56:00:0b:02", Addresses: []string{"192.0.2.40/24"}, Gateway4: "192.0.2.1",
			Nameservers: []string{"192.0.2.53"}},
		{Name: "stor0", MACAddress: "00:50:56:00:0b:03", Addresses: []string{"2001:db8:5::40/64"},
			Routes: []Route{{To: "2001:db8:6::/64", Via: "2001:db8:5::1"}}, MTU: 9000},
	}}},
}

// netConvertCase is one network configuration to convert.
type netConvertCase struct {
	name     string
	metaData string
	net      *Network
}

// netConvertCases are every golden meta-data with a network, every fuzz
// corpus entry that renders one, and every shape, rendered by Render.
func netConvertCases(t *testing.T) []netConvertCase {
	t.Helper()
	specs := map[string]Spec{}
	for _, g := range goldenCases {
		specs[g.name] = g.spec
	}
	files, err := filepath.Glob(filepath.Join("testdata", "*.meta-data.golden"))
	if err != nil {
		t.Fatal(err)
	}
	var out []netConvertCase
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var md map[string]any
		if err := yaml.Unmarshal(b, &md); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if md["network"] == nil {
			continue
		}
		name := strings.TrimSuffix(filepath.Base(file), ".meta-data.golden")
		spec, ok := specs[name]
		if !ok || spec.Network == nil {
			t.Fatalf("%s has a network but no golden case with one", file)
		}
		out = append(out, netConvertCase{name: "golden " + name, metaData: string(b), net: spec.Network})
	}
	if len(out) < 4 {
		t.Fatalf("found %d golden meta-data files with a network, want at least 4", len(out))
	}
	for _, c := range fuzzCorpus(t) {
		if p, err := Render(c.spec); err == nil && c.spec.Network != nil {
			out = append(out, netConvertCase{name: "fuzz " + c.name, metaData: p.MetaData, net: c.spec.Network})
		}
	}
	for _, s := range networkShapes {
		p, err := Render(Spec{Hostname: "shape", Network: &s.net})
		if err != nil {
			t.Fatalf("shape %q: %v", s.name, err)
		}
		out = append(out, netConvertCase{name: s.name, metaData: p.MetaData, net: &s.net})
	}
	return out
}

// TestNetConvert checks that each renderer of the real cloud-init configures
// the addresses, default gateways, routes, name servers, search domains,
// MAC matching, DHCP and MTU that the spec asks for, and nothing else.
func TestNetConvert(t *testing.T) {
	t.Parallel()
	bin := requireCloudInit(t)
	for _, c := range netConvertCases(t) {
		want := wantFacts(c.net)
		for _, r := range renderers {
			t.Run(c.name+"/"+r.name, func(t *testing.T) {
				t.Parallel()
				files, err := netConvert(t, bin, c.metaData, r.name, r.distro)
				if err != nil {
					t.Fatalf("cloud-init devel net-convert -O %s -D %s failed:\n%v\ninput:\n%s", r.name, r.distro, err, c.metaData)
				}
				got, err := readFacts(r.name, files)
				if err != nil {
					t.Fatalf("reading the %s output: %v\n%s", r.name, err, dump(files))
				}
				got.attributeResolver(want)
				want := want
				if r.dnsNeedsStatic {
					want = withoutDHCPOnlyDNS(t, want)
				}
				if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(ifaceFacts{}, "Options"), cmpopts.EquateEmpty()); diff != "" {
					t.Errorf("%s output differs from the spec (-want +got):\n%s\ninput:\n%s\noutput:\n%s", r.name, diff, c.metaData, dump(files))
				}
				for name, w := range want {
					g := got[name]
					if g == nil || cmp.Equal(w.Options, g.Options, cmpopts.EquateEmpty()) {
						continue
					}
					if r.keepsRouteOptions {
						t.Errorf("%s: route options %v, want %v", name, g.Options, w.Options)
					} else {
						t.Logf("%s: %s drops route options: %v, asked %v", name, r.name, g.Options, w.Options)
					}
				}
			})
		}
	}
}

// wantFacts is what a renderer should configure for n. An interface matched
// by MAC only is named by its netplan id: net-convert runs where that NIC
// does not exist (on the guest, cloud-init uses the kernel's name).
func wantFacts(n *Network) netFacts {
	f := netFacts{}
	for _, ifc := range n.Interfaces {
		i := f.iface(EthernetID(ifc))
		i.MAC, _ = normalizeMAC(ifc.MACAddress)
		i.DHCP4, i.DHCP6, i.MTU = ifc.DHCP4, ifc.DHCP6, ifc.MTU
		i.Nameservers, i.Search = slices.Clone(ifc.Nameservers), slices.Clone(ifc.SearchDomains)
		for _, a := range ifc.Addresses {
			i.Addresses = append(i.Addresses, netip.MustParsePrefix(a).String())
		}
		for _, gw := range []string{ifc.Gateway4, ifc.Gateway6} {
			if gw != "" {
				i.Gateways = append(i.Gateways, netip.MustParseAddr(gw).String())
			}
		}
		for _, r := range ifc.Routes {
			via := netip.MustParseAddr(r.Via)
			var opts []string
			if r.Metric != 0 {
				opts = append(opts, "metric "+strconv.Itoa(r.Metric))
			}
			if r.OnLink {
				opts = append(opts, "on-link")
			}
			to := r.To
			if to == "default" {
				to = "0.0.0.0/0"
			}
			pfx := netip.MustParsePrefix(to)
			key := pfx.String() + " via " + via.String()
			if pfx.Bits() == 0 {
				i.Gateways = append(i.Gateways, via.String())
			} else {
				i.Routes = append(i.Routes, key)
			}
			if len(opts) > 0 {
				i.Options[key] = opts
			}
		}
	}
	f.sortAll()
	return f
}

// withoutDHCPOnlyDNS returns a copy of want in which interfaces without a
// static address ask for no name server or search domain.
func withoutDHCPOnlyDNS(t *testing.T, want netFacts) netFacts {
	out := netFacts{}
	for name, w := range want {
		c := *w
		if len(c.Addresses) == 0 && len(c.Nameservers)+len(c.Search) > 0 {
			t.Logf("%s: not expecting name servers %v and search domains %v on an interface without a static address", name, c.Nameservers, c.Search)
			c.Nameservers, c.Search = nil, nil
		}
		out[name] = &c
	}
	return out
}

func dump(files map[string]string) string {
	var b strings.Builder
	for _, k := range keys(files) {
		b.WriteString("--- " + k + "\n" + files[k])
	}
	return b.String()
}
