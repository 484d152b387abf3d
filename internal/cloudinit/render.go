package cloudinit

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// cloudConfigHeader starts every cloud-config user-data ceso renders.
const cloudConfigHeader = "#cloud-config\n"

// Render validates s and renders its payload. An invalid spec gives a
// [*ValidationError] listing every problem; Render never panics.
func Render(s Spec) (*Payload, error) {
	s = s.normalized()
	ps := validate(s)
	userData, userSizes := renderUserData(&ps, s)
	vendorData := renderRawVendorData(&ps, s.VendorDataRaw)
	if len(ps) > 0 {
		return nil, ps.err()
	}

	metaNoID, err := renderMetaData(s, "")
	if err != nil {
		return nil, err
	}
	instanceID := s.InstanceID
	if instanceID == "" {
		sum := hashDocs(userData, metaNoID, vendorData)
		instanceID = "ceso-" + sum[:16]
	}
	metaData, err := renderMetaData(s, instanceID)
	if err != nil {
		return nil, err
	}

	gi := guestInfo(userData, metaData, vendorData)
	checkSize(&ps, gi[KeyUserData], userSizes.largest())
	checkSize(&ps, gi[KeyMetaData], metaDataBlame(s))
	checkSize(&ps, gi[KeyVendorData], Path{"vendor_data_raw"})
	if len(ps) > 0 {
		return nil, ps.err()
	}
	return &Payload{
		UserData:   userData,
		MetaData:   metaData,
		VendorData: vendorData,
		GuestInfo:  gi,
		Hash:       hashDocs(userData, metaData, vendorData),
		InstanceID: instanceID,
	}, nil
}

// normalized returns s with the one harmless difference users hit all the
// time removed: a public key read from a file (`file("~/.ssh/id.pub")`)
// ends with a newline, which authorized_keys does not want.
func (s Spec) normalized() Spec {
	trim := func(keys []string) []string {
		if keys == nil {
			return nil
		}
		out := make([]string, len(keys))
		for i, k := range keys {
			out[i] = strings.TrimRight(k, "\r\n")
		}
		return out
	}
	s.SSHAuthorizedKeys = trim(s.SSHAuthorizedKeys)
	users := make([]User, len(s.Users))
	for i, u := range s.Users {
		u.SSHAuthorizedKeys = trim(u.SSHAuthorizedKeys)
		users[i] = u
	}
	if s.Users != nil {
		s.Users = users
	}
	return s
}

// Validate reports the problems of s, as [Render] does, without keeping the
// payload.
func Validate(s Spec) error {
	_, err := Render(s)
	return err
}

// hashDocs returns the hex SHA-256 of the documents, each length-prefixed so
// that moving text from one to the next changes the hash.
func hashDocs(docs ...string) string {
	h := sha256.New()
	for _, d := range docs {
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(d)))
		h.Write(n[:])
		h.Write([]byte(d))
	}
	return hex.EncodeToString(h.Sum(nil))
}

func checkSize(ps *problems, encoded string, blame Path) {
	if len(encoded) > MaxGuestInfoValueBytes {
		ps.add(blame, sumTooLarge,
			"The encoded payload is %d bytes, over the %d-byte guestinfo limit per key. Move large content to a disk or a URL (#include), or shrink it.",
			len(encoded), MaxGuestInfoValueBytes)
	}
}

func metaDataBlame(s Spec) Path {
	if s.Network != nil {
		return Path{"network"}
	}
	return Path{"hostname"}
}

// sizes records how many bytes each attribute contributes to a document, to
// point a size problem at the attribute to shrink.
type sizes struct {
	paths []Path
	bytes []int
}

func (z *sizes) add(p Path, n int) {
	z.paths = append(z.paths, p)
	z.bytes = append(z.bytes, n)
}

func (z *sizes) largest() Path {
	if len(z.bytes) == 0 {
		return nil
	}
	return z.paths[slices.Index(z.bytes, slices.Max(z.bytes))]
}

// typedUserDataKeys maps each top-level cloud-config key the typed fields of
// s set to the attribute that sets it.
func typedUserDataKeys(s Spec) map[string]string {
	keys := map[string]string{}
	if s.FQDN != "" {
		keys["hostname"], keys["fqdn"] = "fqdn", "fqdn"
	}
	set := func(cond bool, key, attr string) {
		if cond {
			keys[key] = attr
		}
	}
	set(len(s.Users) > 0, "users", "users")
	set(len(s.SSHAuthorizedKeys) > 0, "ssh_authorized_keys", "ssh_authorized_keys")
	set(s.PackageUpdate != nil, "package_update", "package_update")
	set(len(s.Packages) > 0, "packages", "packages")
	set(s.Timezone != "", "timezone", "timezone")
	set(len(s.WriteFiles) > 0, "write_files", "write_files")
	set(len(s.BootCmd) > 0, "bootcmd", "bootcmd")
	set(len(s.RunCmd) > 0, "runcmd", "runcmd")
	return keys
}

func renderUserData(ps *problems, s Spec) (string, sizes) {
	var z sizes
	typed := typedUserDataKeys(s)
	switch classifyRaw(s.UserDataRaw) {
	case rawOpaque:
		if len(typed) > 0 {
			attrs := make([]string, 0, len(typed))
			for _, a := range typed {
				if !slices.Contains(attrs, a) {
					attrs = append(attrs, a)
				}
			}
			slices.Sort(attrs)
			ps.add(Path{"user_data_raw"}, sumRawOpaque,
				"user_data_raw is not a #cloud-config document, so it cannot be merged with %s. Move those settings into user_data_raw, or make it a #cloud-config document.",
				strings.Join(attrs, ", "))
		}
		z.add(Path{"user_data_raw"}, len(s.UserDataRaw))
		return s.UserDataRaw, z
	case rawUnknown:
		ps.add(Path{"user_data_raw"}, sumRawFormat, "%s", unknownFormatDetail("user_data_raw"))
		return "", z
	}

	var raw []rawEntry
	if s.UserDataRaw != "" {
		raw = parseRawCloudConfig(ps, "user_data_raw", s.UserDataRaw)
	}
	for _, e := range raw {
		switch attr, dup := typed[e.key.Value]; {
		case e.key.Value == "hostname" || e.key.Value == "fqdn":
			ps.add(Path{"user_data_raw"}, sumRawOverlap,
				"user_data_raw sets %q; set the hostname and fqdn attributes instead, so the meta-data and user-data agree.", e.key.Value)
		case dup:
			ps.add(Path{"user_data_raw"}, sumRawOverlap,
				"%q is set both by the %s attribute and in user_data_raw; set it in one place.", e.key.Value, attr)
		}
	}
	if len(*ps) > 0 {
		return "", z
	}

	root := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	put := func(attr string, key string, value *yaml.Node) {
		k := str(key)
		root.Content = append(root.Content, k, value)
		z.add(Path{attr}, nodeSize(value))
	}
	if s.FQDN != "" {
		put("hostname", "hostname", str(s.Hostname))
		put("fqdn", "fqdn", str(s.FQDN))
	}
	if len(s.Users) > 0 {
		users := seq(str("default"))
		for _, u := range s.Users {
			users.Content = append(users.Content, userNode(u))
		}
		put("users", "users", users)
	}
	if len(s.SSHAuthorizedKeys) > 0 {
		put("ssh_authorized_keys", "ssh_authorized_keys", strSeq(s.SSHAuthorizedKeys))
	}
	if s.PackageUpdate != nil {
		put("package_update", "package_update", boolean(*s.PackageUpdate))
	}
	if len(s.Packages) > 0 {
		put("packages", "packages", strSeq(s.Packages))
	}
	if s.Timezone != "" {
		put("timezone", "timezone", str(s.Timezone))
	}
	if len(s.WriteFiles) > 0 {
		files := seq()
		for _, f := range s.WriteFiles {
			files.Content = append(files.Content, fileNode(f))
		}
		put("write_files", "write_files", files)
	}
	if len(s.BootCmd) > 0 {
		put("bootcmd", "bootcmd", strSeq(s.BootCmd))
	}
	if len(s.RunCmd) > 0 {
		put("runcmd", "runcmd", strSeq(s.RunCmd))
	}
	for _, e := range raw {
		root.Content = append(root.Content, e.key, e.value)
		z.add(Path{"user_data_raw"}, nodeSize(e.value))
	}
	if len(root.Content) == 0 {
		// An empty mapping, not an empty document: `cloud-init schema`
		// refuses a cloud-config that is not a YAML mapping.
		return cloudConfigHeader + "{}\n", z
	}
	body, err := encodeYAML(&yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{root}})
	if err != nil {
		ps.add(Path{"user_data_raw"}, sumRawYAML, "The user-data could not be encoded as YAML: %v.", err)
		return "", z
	}
	return cloudConfigHeader + body, z
}

func nodeSize(n *yaml.Node) int {
	out, err := yaml.Marshal(n)
	if err != nil {
		return 0
	}
	return len(out)
}

func userNode(u User) *yaml.Node {
	m := mapping()
	m.put("name", str(u.Name))
	if len(u.Groups) > 0 {
		m.put("groups", strSeq(u.Groups))
	}
	if u.Sudo != "" {
		m.put("sudo", str(u.Sudo))
	}
	if u.Shell != "" {
		m.put("shell", str(u.Shell))
	}
	if u.HashedPassword != "" {
		m.put("lock_passwd", boolean(false))
		m.put("hashed_passwd", str(u.HashedPassword))
	}
	if len(u.SSHAuthorizedKeys) > 0 {
		m.put("ssh_authorized_keys", strSeq(u.SSHAuthorizedKeys))
	}
	return m.Node
}

func fileNode(f File) *yaml.Node {
	m := mapping()
	m.put("path", str(f.Path))
	m.put("content", str(f.Content))
	if f.Encoding != "" {
		m.put("encoding", str(f.Encoding))
	}
	if f.Owner != "" {
		m.put("owner", str(f.Owner))
	}
	if f.Permissions != "" {
		m.put("permissions", str(f.Permissions))
	}
	if f.Append {
		m.put("append", boolean(true))
	}
	if f.Defer {
		m.put("defer", boolean(true))
	}
	return m.Node
}

// renderMetaData renders instance-id (when not empty), local-hostname and the
// netplan v2 network configuration.
func renderMetaData(s Spec, instanceID string) (string, error) {
	m := mapping()
	if instanceID != "" {
		m.put("instance-id", str(instanceID))
	}
	m.put("local-hostname", str(s.Hostname))
	if s.Network != nil {
		m.put("network", networkNode(s.Network))
	}
	return encodeYAML(&yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{m.Node}})
}

// YAML node builders. Every scalar gets an explicit tag and style, so the
// encoder never guesses.

type mapNode struct{ *yaml.Node }

func mapping() mapNode { return mapNode{&yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}} }

func (m mapNode) put(key string, value *yaml.Node) {
	m.Content = append(m.Content, str(key), value)
}

func seq(items ...*yaml.Node) *yaml.Node {
	return &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Content: items}
}

func strSeq(items []string) *yaml.Node {
	n := seq()
	for _, s := range items {
		n.Content = append(n.Content, str(s))
	}
	return n
}

func boolean(b bool) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: strconv.FormatBool(b)}
}

func integer(i int) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.Itoa(i)}
}

// rePlain matches strings that read as the same string in YAML 1.1 (PyYAML,
// which cloud-init uses) and YAML 1.2 when written plain.
var rePlain = regexp.MustCompile(`^[A-Za-z_/][A-Za-z0-9_./@+-]*$`)

// yaml11Words are plain words YAML 1.1 reads as booleans or null.
var yaml11Words = map[string]bool{
	"y": true, "yes": true, "n": true, "no": true, "true": true, "false": true,
	"on": true, "off": true, "null": true,
}

// str returns a string scalar: plain when unambiguous, a literal block for
// multi-line text, double-quoted otherwise.
func str(s string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
	switch {
	case rePlain.MatchString(s) && !yaml11Words[strings.ToLower(s)]:
	case strings.Contains(strings.TrimRight(s, "\n"), "\n"):
		n.Style = yaml.LiteralStyle
	default:
		n.Style = yaml.DoubleQuotedStyle
	}
	return n
}
