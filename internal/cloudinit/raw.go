package cloudinit

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// knownCloudConfigKeys are the top-level keys of cloud-init's cloud-config
// schema (the modules' keys, including deprecated spellings cloud-init still
// reads, and the merge directives). A raw document with any other key is
// refused, so a typo fails at plan time instead of being ignored on boot.
var knownCloudConfigKeys = []string{
	"add_apt_repo_match", "allow_public_ssh_keys", "ansible", "apk_repos", "apt",
	"apt_ftp_proxy", "apt_http_proxy", "apt_https_proxy", "apt_mirror", "apt_mirror_search",
	"apt_mirror_search_dns", "apt_pipelining", "apt_preserve_sources_list", "apt_proxy",
	"apt_reboot_if_required", "apt_sources", "apt_update", "apt_upgrade", "autoinstall",
	"bootcmd", "byobu_by_default", "ca-certs", "ca_certs", "chef", "chpasswd",
	"cloud_config_modules", "cloud_final_modules", "cloud_init_modules",
	"create_hostname_file", "debconf_selections", "device_aliases", "disable_ec2_metadata",
	"disable_root", "disable_root_opts", "disk_setup", "drivers", "fan", "final_message",
	"fqdn", "fs_setup", "groups", "growpart", "grub-dpkg", "grub_dpkg", "hostname",
	"keyboard", "landscape", "locale", "locale_configfile", "lxd", "manage_etc_hosts",
	"manage_resolv_conf", "mcollective", "merge_how", "merge_type", "mount_default_fields",
	"mounts", "no_ssh_fingerprints", "ntp", "output", "package_reboot_if_required",
	"package_update", "package_upgrade", "packages", "password", "phone_home", "power_state",
	"prefer_fqdn_over_hostname", "preserve_hostname", "puppet", "random_seed", "reporting",
	"resize_rootfs", "resolv_conf", "rh_subscription", "rsyslog", "runcmd", "salt_minion",
	"snap", "spacewalk", "ssh", "ssh_authorized_keys", "ssh_deletekeys",
	"ssh_fp_console_blacklist", "ssh_genkeytypes", "ssh_import_id", "ssh_key_console_blacklist",
	"ssh_keys", "ssh_publish_hostkeys", "ssh_pwauth", "ssh_quiet_keygen", "swap",
	"syslog_fix_perms", "system_info", "timezone", "ubuntu_advantage", "ubuntu_pro",
	"updates", "user", "users", "vendor_data", "wireguard", "write_files", "yum_repo_dir",
	"yum_repos", "zypper",
}

// KnownCloudConfigKeys returns the top-level cloud-config keys a raw
// "#cloud-config" document may use, sorted.
func KnownCloudConfigKeys() []string { return slices.Clone(knownCloudConfigKeys) }

func isKnownKey(k string) bool {
	_, ok := slices.BinarySearch(knownCloudConfigKeys, k)
	return ok
}

func init() {
	if !slices.IsSorted(knownCloudConfigKeys) {
		panic("cloudinit: knownCloudConfigKeys must be sorted")
	}
}

type rawFormat int

const (
	rawNone        rawFormat = iota
	rawCloudConfig           // "#cloud-config" YAML: parsed and merged
	rawOpaque                // another format cloud-init reads: passed through
	rawUnknown
)

// opaqueHeaders start the user-data formats cloud-init reads that ceso
// passes through without parsing.
var opaqueHeaders = []string{
	"#!", "#include", "#cloud-boothook", "#cloud-config-archive", "#part-handler",
	"#cloud-config-jsonp", "## template: jinja", "#upstart-job",
}

func classifyRaw(raw string) rawFormat {
	if raw == "" {
		return rawNone
	}
	first, _, _ := strings.Cut(raw, "\n")
	first = strings.TrimRight(first, " \t\r")
	if first == "#cloud-config" {
		return rawCloudConfig
	}
	for _, h := range opaqueHeaders {
		if strings.HasPrefix(first, h) {
			return rawOpaque
		}
	}
	if isMIME(raw) {
		return rawOpaque
	}
	return rawUnknown
}

// isMIME reports whether raw starts with MIME headers declaring a multipart
// body, as cloud-init's multipart user-data does.
func isMIME(raw string) bool {
	header, _, _ := strings.Cut(raw, "\n\n")
	header = strings.ReplaceAll(header, "\r", "")
	for _, line := range strings.Split(header, "\n") {
		name, value, ok := strings.Cut(line, ":")
		if ok && strings.EqualFold(strings.TrimSpace(name), "Content-Type") &&
			strings.HasPrefix(strings.ToLower(strings.TrimSpace(value)), "multipart/") {
			return true
		}
	}
	return false
}

// rawEntry is one top-level key of a raw cloud-config document.
type rawEntry struct {
	key   *yaml.Node
	value *yaml.Node
}

// parseRawCloudConfig parses a "#cloud-config" document and checks its
// top-level keys. attr is the attribute the document came from.
func parseRawCloudConfig(ps *problems, attr, raw string) []rawEntry {
	p := Path{attr}
	if !checkText(ps, p, raw) {
		return nil
	}
	dec := yaml.NewDecoder(strings.NewReader(raw))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil // only the header: an empty document
		}
		ps.add(p, sumRawYAML, "%s is not valid YAML: %v.", attr, err)
		return nil
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		ps.add(p, sumRawYAML, "%s holds more than one YAML document; cloud-init reads one. Remove the \"---\" separators.", attr)
		return nil
	}
	root := doc.Content[0]
	if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
		return nil
	}
	if root.Kind != yaml.MappingNode {
		ps.add(p, sumRawYAML, "A #cloud-config document is a YAML mapping of module keys, such as \"packages: [nginx]\".")
		return nil
	}
	if err := checkAliases(root); err != nil {
		ps.add(p, sumRawYAML, "%s: %v.", attr, err)
		return nil
	}
	var out []rawEntry
	seen := map[string]bool{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if k.Kind != yaml.ScalarNode || k.Tag != "!!str" {
			ps.add(p, sumRawKey, "%s line %d: top-level keys are names such as \"packages\".", attr, k.Line)
			continue
		}
		switch {
		case k.Value == "network":
			ps.add(p, sumRawNetwork,
				"%s sets \"network\", which cloud-init ignores here: on VMware it reads the network only from the meta-data. Use the network attribute instead.", attr)
			continue
		case !isKnownKey(k.Value):
			ps.add(p, sumRawKey,
				"%s line %d: %q is not a cloud-config key. Check the spelling against the cloud-init module reference.", attr, k.Line, k.Value)
			continue
		case seen[k.Value]:
			ps.add(p, sumDuplicate, "%s line %d: %q appears twice; keep one.", attr, k.Line, k.Value)
			continue
		}
		seen[k.Value] = true
		stripComments(k)
		stripComments(v)
		out = append(out, rawEntry{key: k, value: v})
	}
	return out
}

// checkAliases refuses merge keys and alias chains that expand far, so a
// small document cannot blow up on the guest ("billion laughs").
func checkAliases(n *yaml.Node) error {
	count := 0
	var walk func(*yaml.Node) error
	walk = func(n *yaml.Node) error {
		if n.Kind == yaml.AliasNode {
			count++
			if count > 100 {
				return fmt.Errorf("more than 100 aliases")
			}
			return nil
		}
		if n.Kind == yaml.MappingNode {
			for i := 0; i < len(n.Content); i += 2 {
				if n.Content[i].Tag == "!!merge" {
					return fmt.Errorf("line %d: merge keys (<<) are not supported; write the values out", n.Content[i].Line)
				}
			}
		}
		for _, c := range n.Content {
			if err := walk(c); err != nil {
				return err
			}
		}
		return nil
	}
	return walk(n)
}

func stripComments(n *yaml.Node) {
	n.HeadComment, n.LineComment, n.FootComment = "", "", ""
	for _, c := range n.Content {
		stripComments(c)
	}
}

// renderRawVendorData validates raw vendor data and returns it unchanged:
// cloud-init merges user-data over vendor-data itself.
func renderRawVendorData(ps *problems, raw string) string {
	switch classifyRaw(raw) {
	case rawNone:
		return ""
	case rawCloudConfig:
		parseRawCloudConfig(ps, "vendor_data_raw", raw)
	case rawUnknown:
		ps.add(Path{"vendor_data_raw"}, sumRawFormat, "%s", unknownFormatDetail("vendor_data_raw"))
	}
	return raw
}

func unknownFormatDetail(attr string) string {
	return attr + " must start with \"#cloud-config\" (YAML), be a MIME multipart document, or start with another header cloud-init reads, such as \"#!\" for a script."
}

// encodeYAML encodes a document node with two-space indentation.
func encodeYAML(n *yaml.Node) (string, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(n); err != nil {
		return "", err
	}
	if err := enc.Close(); err != nil {
		return "", err
	}
	return buf.String(), nil
}
