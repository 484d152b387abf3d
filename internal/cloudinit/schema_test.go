package cloudinit

import (
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// This file checks rendered documents against the rules of cloud-init's
// cloud-config schema and of netplan v2 for the keys ceso writes. It reads
// the text back with a YAML library, as cloud-init does, and also checks
// that no plain scalar means something else to a YAML 1.1 reader (PyYAML).

// yaml11Implicit matches plain scalars that YAML 1.1 resolves to a type
// other than string (bool, null, int including sexagesimal, float, merge,
// value, timestamp).
var yaml11Implicit = regexp.MustCompile(`^(?:` +
	`y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF` +
	`|~|null|Null|NULL|` +
	`[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+` +
	`|[-+]?(?:[0-9][0-9_]*)?\.[0-9.]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)` +
	`|<<|=|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?.*` +
	`)$`)

// checkYAML11 reports plain string scalars that YAML 1.1 would not read as
// strings.
func checkYAML11(n *yaml.Node) []string {
	var errs []string
	var walk func(*yaml.Node)
	walk = func(n *yaml.Node) {
		if n.Kind == yaml.ScalarNode && n.Style == 0 && n.Tag == "!!str" && yaml11Implicit.MatchString(n.Value) {
			errs = append(errs, fmt.Sprintf("line %d: plain %q is not a string in YAML 1.1", n.Line, n.Value))
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(n)
	return errs
}

type checker struct{ errs []string }

func (c *checker) fail(path, format string, args ...any) {
	c.errs = append(c.errs, path+": "+fmt.Sprintf(format, args...))
}

func (c *checker) str(path string, v any) (string, bool) {
	s, ok := v.(string)
	if !ok {
		c.fail(path, "want string, got %T", v)
	}
	return s, ok
}

func (c *checker) boolean(path string, v any) {
	if _, ok := v.(bool); !ok {
		c.fail(path, "want boolean, got %T", v)
	}
}

func (c *checker) integer(path string, v any) {
	if _, ok := v.(int); !ok {
		c.fail(path, "want integer, got %T", v)
	}
}

func (c *checker) list(path string, v any) []any {
	l, ok := v.([]any)
	if !ok {
		c.fail(path, "want list, got %T", v)
	}
	return l
}

func (c *checker) strList(path string, v any) []string {
	var out []string
	for i, e := range c.list(path, v) {
		if s, ok := c.str(fmt.Sprintf("%s[%d]", path, i), e); ok {
			out = append(out, s)
		}
	}
	return out
}

func (c *checker) object(path string, v any, allowed ...string) map[string]any {
	m, ok := v.(map[string]any)
	if !ok {
		c.fail(path, "want mapping, got %T", v)
		return nil
	}
	for k := range m {
		if len(allowed) > 0 && !slices.Contains(allowed, k) {
			c.fail(path, "key %q is not allowed here", k)
		}
	}
	return m
}

// checkUserData checks a rendered #cloud-config user-data document.
func checkUserData(doc string) []string {
	c := &checker{}
	if !strings.HasPrefix(doc, "#cloud-config\n") {
		return []string{"user-data does not start with #cloud-config"}
	}
	var node yaml.Node
	if err := yaml.Unmarshal([]byte(doc), &node); err != nil {
		return []string{"user-data: " + err.Error()}
	}
	c.errs = append(c.errs, checkYAML11(&node)...)
	var m map[string]any
	if err := yaml.Unmarshal([]byte(doc), &m); err != nil {
		return []string{"user-data: " + err.Error()}
	}
	for k, v := range m {
		if !isKnownKey(k) {
			c.fail(k, "not a cloud-config key")
		}
		switch k {
		case "hostname", "fqdn", "timezone":
			c.str(k, v)
		case "package_update", "package_upgrade":
			c.boolean(k, v)
		case "packages", "ssh_authorized_keys":
			c.strList(k, v)
		case "runcmd", "bootcmd":
			for i, e := range c.list(k, v) {
				switch e.(type) {
				case string, []any:
				default:
					c.fail(fmt.Sprintf("%s[%d]", k, i), "want string or list, got %T", e)
				}
			}
		case "users":
			for i, e := range c.list(k, v) {
				p := fmt.Sprintf("users[%d]", i)
				if s, ok := e.(string); ok {
					if s != "default" {
						c.fail(p, "a string entry must be \"default\", got %q", s)
					}
					continue
				}
				u := c.object(p, e, "name", "groups", "sudo", "shell", "lock_passwd", "hashed_passwd", "ssh_authorized_keys")
				if _, ok := u["name"]; !ok {
					c.fail(p, "name is required")
				}
				for key, val := range u {
					switch key {
					case "name", "shell", "sudo":
						c.str(p+"."+key, val)
					case "hashed_passwd":
						if s, ok := c.str(p+"."+key, val); ok && !reCryptHash.MatchString(s) {
							c.fail(p+"."+key, "not a crypt hash")
						}
					case "lock_passwd":
						c.boolean(p+"."+key, val)
					case "groups", "ssh_authorized_keys":
						c.strList(p+"."+key, val)
					}
				}
			}
		case "write_files":
			for i, e := range c.list(k, v) {
				p := fmt.Sprintf("write_files[%d]", i)
				f := c.object(p, e, "path", "content", "encoding", "owner", "permissions", "append", "defer")
				if _, ok := f["path"]; !ok {
					c.fail(p, "path is required")
				}
				for key, val := range f {
					switch key {
					case "path", "content", "owner", "permissions":
						c.str(p+"."+key, val)
					case "encoding":
						if s, ok := c.str(p+"."+key, val); ok && !fileEncodings[s] {
							c.fail(p+"."+key, "unknown encoding %q", s)
						}
					case "append", "defer":
						c.boolean(p+"."+key, val)
					}
				}
			}
		}
	}
	return c.errs
}

// checkMetaData checks a rendered meta-data document and its netplan v2
// network configuration.
func checkMetaData(doc string) []string {
	c := &checker{}
	var node yaml.Node
	if err := yaml.Unmarshal([]byte(doc), &node); err != nil {
		return []string{"meta-data: " + err.Error()}
	}
	c.errs = append(c.errs, checkYAML11(&node)...)
	var raw any
	if err := yaml.Unmarshal([]byte(doc), &raw); err != nil {
		return []string{"meta-data: " + err.Error()}
	}
	m := c.object("meta-data", raw, "instance-id", "local-hostname", "network")
	for _, k := range []string{"instance-id", "local-hostname"} {
		if s, ok := c.str(k, m[k]); ok && s == "" {
			c.fail(k, "empty")
		}
	}
	if n, ok := m["network"]; ok {
		checkNetplan(c, n)
	}
	return c.errs
}

func checkNetplan(c *checker, v any) {
	n := c.object("network", v, "version", "ethernets")
	if n["version"] != 2 {
		c.fail("network.version", "want 2, got %v", n["version"])
	}
	eths := c.object("network.ethernets", n["ethernets"])
	for id := range eths {
		p := "network.ethernets." + id
		e := c.object(p, eths[id], "match", "set-name", "dhcp4", "dhcp6", "addresses", "gateway6", "routes", "nameservers", "mtu")
		for key, val := range e {
			kp := p + "." + key
			switch key {
			case "match":
				mm := c.object(kp, val, "macaddress", "name")
				if mac, ok := mm["macaddress"].(string); ok {
					if norm, valid := normalizeMAC(mac); !valid || norm != mac {
						c.fail(kp, "macaddress %q is not a lower-case MAC", mac)
					}
				}
			case "set-name":
				if _, ok := e["match"]; !ok {
					c.fail(kp, "set-name needs match")
				}
				c.str(kp, val)
			case "gateway6":
				if gw, ok := c.str(kp, val); ok {
					if a, err := netip.ParseAddr(gw); err != nil || !a.Is6() {
						c.fail(kp, "not an IPv6 address: %q", gw)
					}
				}
			case "dhcp4", "dhcp6":
				c.boolean(kp, val)
			case "addresses":
				for i, a := range c.strList(kp, val) {
					if _, err := netip.ParsePrefix(a); err != nil {
						c.fail(fmt.Sprintf("%s[%d]", kp, i), "not a CIDR: %v", err)
					}
				}
			case "routes":
				for i, r := range c.list(kp, val) {
					rp := fmt.Sprintf("%s[%d]", kp, i)
					rm := c.object(rp, r, "to", "via", "metric", "on-link")
					// cloud-init's own renderers refuse "default" and
					// turn ::/0 into ::/64 (see netconvert_test.go).
					if to, ok := c.str(rp+".to", rm["to"]); ok {
						if pfx, err := netip.ParsePrefix(to); err != nil {
							c.fail(rp+".to", "not a CIDR: %v", err)
						} else if pfx.Addr().Is6() && pfx.Bits() == 0 {
							c.fail(rp+".to", "an IPv6 default route is gateway6")
						}
					}
					if via, ok := c.str(rp+".via", rm["via"]); ok {
						if _, err := netip.ParseAddr(via); err != nil {
							c.fail(rp+".via", "not an address: %v", err)
						}
					}
					if m, ok := rm["metric"]; ok {
						c.integer(rp+".metric", m)
					}
					if o, ok := rm["on-link"]; ok {
						c.boolean(rp+".on-link", o)
					}
				}
			case "nameservers":
				ns := c.object(kp, val, "addresses", "search")
				if a, ok := ns["addresses"]; ok {
					for i, a := range c.strList(kp+".addresses", a) {
						if _, err := netip.ParseAddr(a); err != nil {
							c.fail(fmt.Sprintf("%s.addresses[%d]", kp, i), "not an address")
						}
					}
				}
				if s, ok := ns["search"]; ok {
					c.strList(kp+".search", s)
				}
			case "mtu":
				c.integer(kp, val)
			}
		}
	}
}
