package cloudinit

// Spec is the input of [Render]: the typed description of a cloud-init
// payload. The zero value of a field means "not set".
type Spec struct {
	// Hostname is the short host name (one DNS label), written to the
	// meta-data as local-hostname. Required.
	Hostname string
	// FQDN is the fully qualified name; its first label must be Hostname.
	// When set, user-data gets hostname and fqdn.
	FQDN string
	// InstanceID overrides the derived instance-id (see the package doc).
	InstanceID string

	// Users are created in addition to the distribution's default user,
	// which stays first in the list.
	Users []User
	// SSHAuthorizedKeys are authorized for the default user.
	SSHAuthorizedKeys []string
	Packages          []string
	PackageUpdate     *bool
	Timezone          string
	WriteFiles        []File
	// RunCmd and BootCmd are shell commands, each run with sh -c.
	RunCmd  []string
	BootCmd []string

	Network *Network

	UserDataRaw   string
	VendorDataRaw string
}

// User is one entry of cloud-config's users list.
type User struct {
	Name   string
	Groups []string
	// Sudo is a sudoers rule such as "ALL=(ALL) NOPASSWD:ALL".
	Sudo              string
	Shell             string
	SSHAuthorizedKeys []string
	// HashedPassword is a crypt(3) hash (mkpasswd -m sha-512), never a
	// clear-text password. When set, password login is unlocked.
	HashedPassword string
}

// File is one entry of cloud-config's write_files list.
type File struct {
	Path    string
	Content string
	// Encoding is how Content is encoded: "" or "text" (plain), "b64", or
	// "gzip+base64" (and the other spellings cloud-init accepts).
	Encoding string
	// Owner is "user:group"; Permissions is an octal mode such as "0644".
	Owner       string
	Permissions string
	Append      bool
	// Defer writes the file in the final stage, after users and packages.
	Defer bool
}

// Network is the netplan v2 network configuration.
type Network struct {
	Interfaces []Interface
}

// Interface is one ethernet: matched by MAC address, by name, or both (then
// the NIC with that MAC is renamed to Name).
type Interface struct {
	Name       string
	MACAddress string
	DHCP4      bool
	DHCP6      bool
	// Addresses are static addresses in CIDR form ("192.0.2.10/24").
	Addresses []string
	// Gateway4 and Gateway6 become default routes; each must lie inside one
	// of the interface's static subnets of the same family (an IPv6
	// link-local gateway is also accepted).
	Gateway4      string
	Gateway6      string
	Nameservers   []string
	SearchDomains []string
	Routes        []Route
	// MTU is 0 for the default.
	MTU int
}

// Route is a static route.
type Route struct {
	// To is a CIDR, or "default" for the IPv4 default route (rendered as
	// 0.0.0.0/0). An IPv6 default route is Gateway6: cloud-init's own
	// renderers turn a route to ::/0 into ::/64.
	To  string
	Via string
	// Metric is 0 for the default. Only netplan applies it: cloud-init
	// 22.4 drops it when it renders the network itself.
	Metric int
	// OnLink accepts a Via outside every subnet of the interface. Only
	// netplan applies it, as Metric.
	OnLink bool
}

// Payload is the output of [Render].
type Payload struct {
	UserData   string
	MetaData   string
	VendorData string
	// GuestInfo holds the guestinfo.* keys and their encodings, ready for
	// the VM's extra config.
	GuestInfo map[string]string
	// Hash is the hex SHA-256 of the three rendered documents.
	Hash string
	// InstanceID is the instance-id written to the meta-data.
	InstanceID string
}
