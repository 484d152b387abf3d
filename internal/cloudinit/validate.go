package cloudinit

import (
	"encoding/base64"
	"net"
	"net/netip"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

var (
	reLabel       = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$`)
	reUserName    = regexp.MustCompile(`^[a-z_][a-z0-9_.-]{0,30}[$]?$`)
	reGroupName   = reUserName
	reCryptHash   = regexp.MustCompile(`^\$(1|2[abxy]|5|6|y|gy|7|sha1|md5)\$[./A-Za-z0-9$=,]+$`)
	rePackage     = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9+._:~=<>*@/-]*$`)
	reTimezone    = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*$`)
	reIfaceName   = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,14}$`)
	rePermissions = regexp.MustCompile(`^0?[0-7]{3,4}$`)
	reOwner       = regexp.MustCompile(`^[a-z_][a-z0-9_.-]*[$]?(:[a-z_][a-z0-9_.-]*[$]?)?$`)
	reInstanceID  = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$`)
)

// sshKeyTypes are the key types OpenSSH accepts in authorized_keys.
var sshKeyTypes = map[string]bool{
	"ssh-rsa": true, "ssh-dss": true, "ssh-ed25519": true, "ssh-ed448": true,
	"ecdsa-sha2-nistp256": true, "ecdsa-sha2-nistp384": true, "ecdsa-sha2-nistp521": true,
	"sk-ecdsa-sha2-nistp256@openssh.com": true, "sk-ssh-ed25519@openssh.com": true,
	"ssh-rsa-cert-v01@openssh.com": true, "ssh-ed25519-cert-v01@openssh.com": true,
	"ecdsa-sha2-nistp256-cert-v01@openssh.com": true, "ecdsa-sha2-nistp384-cert-v01@openssh.com": true,
	"ecdsa-sha2-nistp521-cert-v01@openssh.com": true,
}

// fileEncodings are the write_files encodings cloud-init accepts.
var fileEncodings = map[string]bool{
	"": true, "text": true, "text/plain": true, "b64": true, "base64": true,
	"gz": true, "gzip": true, "gz+base64": true, "gzip+base64": true, "gz+b64": true, "gzip+b64": true,
}

// validate checks every typed field and returns all problems. The raw data
// and the size limit are checked while rendering.
func validate(s Spec) problems {
	var ps problems
	validateNames(&ps, s)
	validateUsers(&ps, s)
	validateKeys(&ps, Path{"ssh_authorized_keys"}, s.SSHAuthorizedKeys)
	for i, p := range s.Packages {
		if !rePackage.MatchString(p) {
			ps.add(Path{"packages", i}, sumPackage,
				"A package is one name, optionally with a version (nginx, nginx=1.24*), without spaces; got %q.", p)
		}
	}
	if s.Timezone != "" && !reTimezone.MatchString(s.Timezone) {
		ps.add(Path{"timezone"}, sumTimezone,
			"Use a tz database name such as \"UTC\" or \"Europe/Paris\"; got %q.", s.Timezone)
	}
	validateFiles(&ps, s.WriteFiles)
	validateCommands(&ps, Path{"runcmd"}, s.RunCmd)
	validateCommands(&ps, Path{"bootcmd"}, s.BootCmd)
	if s.Network != nil {
		validateNetwork(&ps, s.Network)
	}
	return ps
}

func validateNames(ps *problems, s Spec) {
	switch {
	case s.Hostname == "":
		ps.add(Path{"hostname"}, sumRequired, "Set hostname to the VM's short host name, such as \"web-01\".")
	case strings.Contains(s.Hostname, "."):
		ps.add(Path{"hostname"}, sumHostname,
			"hostname is one DNS label; got %q. Put the short name in hostname and the full name in fqdn.", s.Hostname)
	case !reLabel.MatchString(s.Hostname):
		ps.add(Path{"hostname"}, sumHostname,
			"A hostname has 1 to 63 letters, digits and hyphens, and neither starts nor ends with a hyphen; got %q.", s.Hostname)
	}
	if s.FQDN != "" {
		labels := strings.Split(strings.TrimSuffix(s.FQDN, "."), ".")
		switch {
		case len(s.FQDN) > 253 || len(labels) < 2 || !allLabels(labels):
			ps.add(Path{"fqdn"}, sumFQDN,
				"An FQDN is two or more DNS labels separated by dots, at most 253 characters, such as \"web-01.example.com\"; got %q.", s.FQDN)
		case s.Hostname != "" && !strings.EqualFold(labels[0], s.Hostname):
			ps.add(Path{"fqdn"}, sumFQDN,
				"The FQDN must start with the hostname: hostname is %q, fqdn is %q. Make them agree.", s.Hostname, s.FQDN)
		}
	}
	if s.InstanceID != "" && !reInstanceID.MatchString(s.InstanceID) {
		ps.add(Path{"instance_id"}, sumInstanceID,
			"An instance ID has 1 to 128 letters, digits, '.', '_', ':' and '-', and starts with a letter or digit; got %q. Leave it unset to derive it from the content.", s.InstanceID)
	}
}

func allLabels(labels []string) bool {
	for _, l := range labels {
		if !reLabel.MatchString(l) {
			return false
		}
	}
	return true
}

func validateUsers(ps *problems, s Spec) {
	seen := map[string]int{}
	for i, u := range s.Users {
		p := Path{"users", i}
		switch {
		case u.Name == "":
			ps.add(p.at("name"), sumRequired, "Every user needs a name.")
		case u.Name == "default":
			ps.add(p.at("name"), sumUser,
				"\"default\" is cloud-init's name for the distribution's default user, which ceso always keeps; use ssh_authorized_keys for its keys.")
		case !reUserName.MatchString(u.Name):
			ps.add(p.at("name"), sumUser,
				"A user name starts with a lower-case letter or '_', then up to 31 lower-case letters, digits, '_', '.' or '-'; got %q.", u.Name)
		default:
			if j, dup := seen[u.Name]; dup {
				ps.add(p.at("name"), sumDuplicate, "User %q is already defined at users[%d]; define each user once.", u.Name, j)
			} else {
				seen[u.Name] = i
			}
		}
		for j, g := range u.Groups {
			if !reGroupName.MatchString(g) {
				ps.add(p.at("groups", j), sumUser,
					"A group name starts with a lower-case letter or '_', then lower-case letters, digits, '_', '.' or '-'; got %q.", g)
			}
		}
		if u.Sudo != "" {
			checkLine(ps, p.at("sudo"), u.Sudo, "a sudoers rule such as \"ALL=(ALL) NOPASSWD:ALL\"")
		}
		if u.Shell != "" && (!strings.HasPrefix(u.Shell, "/") || strings.ContainsAny(u.Shell, " \t\r\n")) {
			ps.add(p.at("shell"), sumUser, "shell is an absolute path such as \"/bin/bash\"; got %q.", u.Shell)
		}
		validateKeys(ps, p.at("ssh_authorized_keys"), u.SSHAuthorizedKeys)
		if u.HashedPassword != "" && !reCryptHash.MatchString(u.HashedPassword) {
			// Never echo the value: it may be a real password.
			ps.add(p.at("hashed_password"), sumPassword,
				"hashed_password takes a crypt(3) hash such as \"$6$...\", not a clear-text password. Generate one with `mkpasswd -m sha-512` (or `openssl passwd -6`) and pass its output.")
		}
	}
}

func validateKeys(ps *problems, p Path, keys []string) {
	for i, k := range keys {
		if !validSSHKey(k) {
			ps.add(p.at(i), sumSSHKey,
				"Give one OpenSSH public key per entry, as in authorized_keys: \"ssh-ed25519 AAAA... comment\" (options before the type are allowed).")
		}
	}
}

// validSSHKey accepts an authorized_keys line: optional options, then a
// known key type followed by its base64 blob.
func validSSHKey(k string) bool {
	if !utf8.ValidString(k) || strings.ContainsAny(k, "\r\n\x00") {
		return false
	}
	fields := strings.Fields(k)
	for i := 0; i+1 < len(fields); i++ {
		if sshKeyTypes[fields[i]] {
			blob, err := base64.StdEncoding.DecodeString(fields[i+1])
			return err == nil && len(blob) > 0
		}
	}
	return false
}

func validateFiles(ps *problems, files []File) {
	seen := map[string]int{}
	for i, f := range files {
		p := Path{"write_files", i}
		switch {
		case f.Path == "":
			ps.add(p.at("path"), sumRequired, "Every file needs an absolute path.")
		case !strings.HasPrefix(f.Path, "/") || strings.ContainsAny(f.Path, "\r\n\x00") || !utf8.ValidString(f.Path):
			ps.add(p.at("path"), sumFile, "path is an absolute path on one line, such as \"/etc/motd\"; got %q.", f.Path)
		default:
			if j, dup := seen[f.Path]; dup && !f.Append {
				ps.add(p.at("path"), sumDuplicate,
					"%q is already written by write_files[%d]; write each file once, or set append.", f.Path, j)
			} else if !dup {
				seen[f.Path] = i
			}
		}
		if !fileEncodings[f.Encoding] {
			ps.add(p.at("encoding"), sumFile,
				"encoding is one of \"text\", \"b64\" or \"gzip+base64\"; got %q.", f.Encoding)
		}
		switch f.Encoding {
		case "b64", "base64", "gz+base64", "gzip+base64", "gz+b64", "gzip+b64":
			if _, err := base64.StdEncoding.DecodeString(f.Content); err != nil {
				ps.add(p.at("content"), sumFile,
					"encoding is %q, but content is not valid base64: %v. Encode it (Terraform's base64encode/base64gzip) or set encoding to \"text\".", f.Encoding, err)
			}
		case "", "text", "text/plain":
			if !utf8.ValidString(f.Content) {
				ps.add(p.at("content"), sumText,
					"content must be UTF-8 text; for binary content, base64-encode it and set encoding to \"b64\".")
			}
		}
		if f.Owner != "" && !reOwner.MatchString(f.Owner) {
			ps.add(p.at("owner"), sumFile, "owner is \"user\" or \"user:group\", such as \"root:root\"; got %q.", f.Owner)
		}
		if f.Permissions != "" && !rePermissions.MatchString(f.Permissions) {
			ps.add(p.at("permissions"), sumFile, "permissions is an octal mode such as \"0644\"; got %q.", f.Permissions)
		}
	}
}

func validateCommands(ps *problems, p Path, cmds []string) {
	for i, c := range cmds {
		if strings.TrimSpace(c) == "" {
			ps.add(p.at(i), sumCommand, "A command cannot be empty; remove the entry.")
			continue
		}
		checkText(ps, p.at(i), c)
	}
}

// checkText rejects strings that YAML cannot carry as text: invalid UTF-8
// and control characters other than tab and newline.
func checkText(ps *problems, p Path, s string) bool {
	if !utf8.ValidString(s) {
		ps.add(p, sumText, "The value must be UTF-8 text.")
		return false
	}
	for _, r := range s {
		if r != '\t' && r != '\n' && (unicode.IsControl(r) || r == '\uFEFF') {
			ps.add(p, sumText, "The value contains the control character %U; remove it.", r)
			return false
		}
	}
	return true
}

// checkLine is checkText for one-line values.
func checkLine(ps *problems, p Path, s, what string) {
	if !checkText(ps, p, s) {
		return
	}
	if strings.Contains(s, "\n") {
		ps.add(p, sumText, "The value is %s on one line; remove the line break.", what)
	}
}

func validateNetwork(ps *problems, n *Network) {
	if len(n.Interfaces) == 0 {
		ps.add(Path{"network", "interfaces"}, sumRequired,
			"network needs at least one interface; remove the network block to let cloud-init fall back to DHCP on the first NIC.")
	}
	names := map[string]int{}
	macs := map[string]int{}
	var gw4, gw6 = -1, -1
	for i, ifc := range n.Interfaces {
		p := Path{"network", "interfaces", i}
		if ifc.Name == "" && ifc.MACAddress == "" {
			ps.add(p, sumInterface, "Match the interface by mac_address, by name, or both.")
		}
		if ifc.Name != "" {
			if !reIfaceName.MatchString(ifc.Name) {
				ps.add(p.at("name"), sumInterface,
					"An interface name has 1 to 15 letters, digits, '_', '.' or '-'; got %q.", ifc.Name)
			} else if j, dup := names[ifc.Name]; dup {
				ps.add(p.at("name"), sumDuplicate, "Interface %q is already defined at network.interfaces[%d].", ifc.Name, j)
			} else {
				names[ifc.Name] = i
			}
		}
		if ifc.MACAddress != "" {
			if mac, ok := normalizeMAC(ifc.MACAddress); !ok {
				ps.add(p.at("mac_address"), sumMAC,
					"A MAC address is six hex bytes separated by colons, such as \"00:50:56:aa:bb:cc\"; got %q.", ifc.MACAddress)
			} else if j, dup := macs[mac]; dup {
				ps.add(p.at("mac_address"), sumDuplicate, "MAC address %s is already matched by network.interfaces[%d].", mac, j)
			} else {
				macs[mac] = i
			}
		}
		before := len(*ps)
		prefixes := validateAddresses(ps, p, ifc.Addresses)
		// Subnet checks against a broken address list would only add noise.
		addrsOK := len(*ps) == before
		if addrsOK {
			validateGateway(ps, p.at("gateway4"), ifc.Gateway4, false, ifc.DHCP4, prefixes)
			validateGateway(ps, p.at("gateway6"), ifc.Gateway6, true, ifc.DHCP6, prefixes)
		}
		if ifc.Gateway4 != "" {
			if gw4 >= 0 {
				ps.add(p.at("gateway4"), sumGateway,
					"network.interfaces[%d] already sets gateway4; a host has one IPv4 default gateway. Use routes (with a metric) on this interface instead.", gw4)
			} else {
				gw4 = i
			}
		}
		if ifc.Gateway6 != "" {
			if gw6 >= 0 {
				ps.add(p.at("gateway6"), sumGateway,
					"network.interfaces[%d] already sets gateway6; a host has one IPv6 default gateway.", gw6)
			} else {
				gw6 = i
			}
		}
		for j, ns := range ifc.Nameservers {
			if a, err := netip.ParseAddr(ns); err != nil || a.Zone() != "" {
				ps.add(p.at("nameservers", j), sumNameserver, "A DNS server is an IPv4 or IPv6 address such as \"192.0.2.53\"; got %q.", ns)
			}
		}
		for j, d := range ifc.SearchDomains {
			labels := strings.Split(strings.TrimSuffix(d, "."), ".")
			if d == "" || len(d) > 253 || !allLabels(labels) {
				ps.add(p.at("search_domains", j), sumSearchDomain, "A search domain is a DNS name such as \"example.com\"; got %q.", d)
			}
		}
		for j, r := range ifc.Routes {
			validateRoute(ps, p.at("routes", j), r, prefixes, addrsOK)
		}
		if ifc.MTU != 0 && (ifc.MTU < 576 || ifc.MTU > 9216) {
			ps.add(p.at("mtu"), sumMTU, "mtu is between 576 and 9216 (1500 is the Ethernet default); got %d.", ifc.MTU)
		} else if ifc.MTU != 0 && ifc.MTU < 1280 && hasFamily(prefixes, true) {
			ps.add(p.at("mtu"), sumMTU, "IPv6 needs an mtu of at least 1280; got %d.", ifc.MTU)
		}
	}
}

func normalizeMAC(s string) (string, bool) {
	hw, err := net.ParseMAC(s)
	if err != nil || len(hw) != 6 || strings.Count(s, ":") != 5 {
		return "", false
	}
	return hw.String(), true
}

func validateAddresses(ps *problems, p Path, addrs []string) []netip.Prefix {
	var out []netip.Prefix
	seen := map[netip.Addr]int{}
	for j, a := range addrs {
		ap := p.at("addresses", j)
		pfx, err := netip.ParsePrefix(a)
		if err != nil {
			if _, aerr := netip.ParseAddr(a); aerr == nil {
				ps.add(ap, sumAddress, "%q has no prefix length; write it in CIDR form, such as \"%s/24\".", a, a)
			} else {
				ps.add(ap, sumAddress, "An address is in CIDR form, such as \"192.0.2.10/24\" or \"2001:db8::10/64\"; got %q.", a)
			}
			continue
		}
		addr := pfx.Addr()
		switch {
		case addr.Is4In6():
			ps.add(ap, sumAddress, "Write IPv4 addresses in dotted form, not as IPv4-mapped IPv6; got %q.", a)
			continue
		case addr.IsUnspecified() || addr.IsMulticast() || addr.IsLoopback():
			ps.add(ap, sumAddress, "%q cannot be an interface address; give the host's own address.", a)
			continue
		case addr.Is4() && pfx.Bits() <= 30 && pfx.Masked().Addr() == addr:
			ps.add(ap, sumAddress,
				"%q is the network address of its subnet; give the host's own address, such as \"%s/%d\".", a, addr.Next(), pfx.Bits())
			continue
		}
		if k, dup := seen[addr]; dup {
			ps.add(ap, sumDuplicate, "Address %s is already given at addresses[%d].", addr, k)
			continue
		}
		seen[addr] = j
		out = append(out, pfx)
	}
	return out
}

func hasFamily(prefixes []netip.Prefix, v6 bool) bool {
	for _, p := range prefixes {
		if p.Addr().Is6() == v6 {
			return true
		}
	}
	return false
}

// inSubnet reports whether a is inside one of prefixes without being one of
// the interface's own addresses.
func inSubnet(a netip.Addr, prefixes []netip.Prefix) bool {
	for _, p := range prefixes {
		if p.Contains(a) && p.Addr() != a {
			return true
		}
	}
	return false
}

func validateGateway(ps *problems, p Path, gw string, v6, dhcp bool, prefixes []netip.Prefix) {
	if gw == "" {
		return
	}
	fam, attr, dhcpAttr, example := "IPv4", "gateway4", "dhcp4", "192.0.2.1"
	if v6 {
		fam, attr, dhcpAttr, example = "IPv6", "gateway6", "dhcp6", "2001:db8::1"
	}
	a, err := netip.ParseAddr(gw)
	if err != nil || a.Zone() != "" || a.Is6() != v6 || a.Is4In6() {
		ps.add(p, sumGateway, "%s is an %s address such as %q; got %q.", attr, fam, example, gw)
		return
	}
	if !hasFamily(prefixes, v6) {
		if dhcp {
			ps.add(p, sumGateway, "With %s the gateway comes from DHCP; remove %s, or add a static %s address.", dhcpAttr, attr, fam)
		} else {
			ps.add(p, sumGateway, "%s needs a static %s address on the same interface; add one to addresses.", attr, fam)
		}
		return
	}
	if v6 && a.IsLinkLocalUnicast() {
		return
	}
	if !inSubnet(a, prefixes) {
		ps.add(p, sumGatewayOutset,
			"%s %s is outside every %s subnet of this interface (%s). Fix the gateway or the prefix length; for an on-link gateway outside the subnet, use a route with on_link.",
			attr, gw, fam, familyList(prefixes, v6))
	}
}

func familyList(prefixes []netip.Prefix, v6 bool) string {
	var out []string
	for _, p := range prefixes {
		if p.Addr().Is6() == v6 {
			out = append(out, p.String())
		}
	}
	return strings.Join(out, ", ")
}

func validateRoute(ps *problems, p Path, r Route, prefixes []netip.Prefix, checkSubnet bool) {
	var toV6 *bool
	switch r.To {
	case "":
		ps.add(p.at("to"), sumRequired, "A route needs a destination: a CIDR such as \"10.0.0.0/8\", or \"default\" (IPv4).")
	case "default":
	default:
		pfx, err := netip.ParsePrefix(r.To)
		if err != nil {
			ps.add(p.at("to"), sumRoute, "to is a CIDR such as \"10.0.0.0/8\", or \"default\"; got %q.", r.To)
		} else if pfx.Masked() != pfx {
			ps.add(p.at("to"), sumRoute, "to has host bits set; write the network as %q.", pfx.Masked().String())
		} else {
			v6 := pfx.Addr().Is6()
			toV6 = &v6
		}
	}
	via, err := netip.ParseAddr(r.Via)
	switch {
	case r.Via == "":
		ps.add(p.at("via"), sumRequired, "A route needs a gateway address in via.")
		return
	case err != nil || via.Zone() != "" || via.Is4In6():
		ps.add(p.at("via"), sumRoute, "via is an IPv4 or IPv6 address such as \"192.0.2.1\"; got %q.", r.Via)
		return
	case toV6 != nil && *toV6 != via.Is6():
		ps.add(p.at("via"), sumRoute, "to %s and via %s are of different IP families; use a gateway of the same family.", r.To, r.Via)
		return
	}
	if via.Is6() && (r.To == "default" || (toV6 != nil && *toV6 && strings.HasSuffix(r.To, "/0"))) {
		// cloud-init 22.4 renders an IPv6 route to ::/0 as ::/64 on every
		// guest where it writes the network itself, and refuses "default";
		// only gateway6 becomes an IPv6 default route everywhere.
		ps.add(p.at("to"), sumRoute,
			"An IPv6 default route is set with gateway6 on the interface, not in routes: where cloud-init renders the network itself (eni, networkd, sysconfig, NetworkManager), it refuses \"default\" and turns ::/0 into ::/64. Remove this route and set gateway6 = %q.", r.Via)
		return
	}
	if r.Metric < 0 {
		ps.add(p.at("metric"), sumRoute, "metric is zero or positive; got %d.", r.Metric)
	}
	if !checkSubnet || r.OnLink || (via.Is6() && via.IsLinkLocalUnicast()) {
		return
	}
	if !inSubnet(via, prefixes) {
		fam := "IPv4"
		if via.Is6() {
			fam = "IPv6"
		}
		ps.add(p.at("via"), sumGatewayOutset,
			"via %s is outside every %s subnet of this interface; fix it, or set on_link if the gateway is reachable on the link anyway.", r.Via, fam)
	}
}
