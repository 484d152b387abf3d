package cloudinit

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// problemList renders problems as "path: Summary" for comparison.
func problemList(t *testing.T, err error) []string {
	t.Helper()
	if err == nil {
		return nil
	}
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("error %v is a %T, want *ValidationError", err, err)
	}
	out := make([]string, len(ve.Problems))
	for i, p := range ve.Problems {
		if p.Detail == "" || p.Summary == "" {
			t.Errorf("problem %v lacks a summary or detail", p)
		}
		out[i] = p.Path.String() + ": " + p.Summary
	}
	return out
}

func static(addrs ...string) Interface {
	return Interface{Name: "ens192", Addresses: addrs}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	ok := Spec{Hostname: "web-01"}
	with := func(f func(*Spec)) Spec {
		s := ok
		f(&s)
		return s
	}
	network := func(ifcs ...Interface) Spec {
		return with(func(s *Spec) { s.Network = &Network{Interfaces: ifcs} })
	}
	tests := []struct {
		name string
		spec Spec
		want []string
	}{
		{"valid", ok, nil},
		{"missing hostname", Spec{}, []string{"hostname: Missing Value"}},
		{"dotted hostname", Spec{Hostname: "web.example.com"}, []string{"hostname: Invalid Hostname"}},
		{"underscore hostname", Spec{Hostname: "web_01"}, []string{"hostname: Invalid Hostname"}},
		{"hyphen edge", Spec{Hostname: "-web"}, []string{"hostname: Invalid Hostname"}},
		{"long label", Spec{Hostname: strings.Repeat("a", 64)}, []string{"hostname: Invalid Hostname"}},
		{"fqdn one label", with(func(s *Spec) { s.FQDN = "web-01" }), []string{"fqdn: Invalid FQDN"}},
		{"fqdn mismatch", with(func(s *Spec) { s.FQDN = "db-01.example.com" }), []string{"fqdn: Invalid FQDN"}},
		{"fqdn ok", with(func(s *Spec) { s.FQDN = "web-01.example.com." }), nil},
		{"instance id spaces", with(func(s *Spec) { s.InstanceID = "a b" }), []string{"instance_id: Invalid Instance ID"}},
		{"clear-text password", with(func(s *Spec) {
			s.Users = []User{{Name: "alice", HashedPassword: "hunter2"}}
		}), []string{"users[0].hashed_password: Clear-Text Password"}},
		{"hash formats", with(func(s *Spec) {
			s.Users = []User{
				{Name: "a", HashedPassword: testHash},
				{Name: "b", HashedPassword: "$y$j9T$F5Jx5fExrKuPp53xLKQ..1$X3DX6M94c7o.9agCG9G317fhZg9SqC.5i5rd.RhAtQ7"},
				{Name: "c", HashedPassword: "$2b$12$KIXQJdS5Qn3eMh1ZbD9N4eXzWk9C2mX0H9xY8fQ3bS1cT7vU6wR5e"},
				{Name: "d", HashedPassword: "$1$salt$qJH7.N4xYta3aEG/dfqo/0"},
				{Name: "e", HashedPassword: "$5$salt$Gcm6FsVtF/Qa77ZKD.iwsJlCVPY0XSMgLJL0Hnww/c1"},
			}
		}), nil},
		{"bad users", with(func(s *Spec) {
			s.Users = []User{
				{Name: ""},
				{Name: "Alice", Groups: []string{"Wheel"}, Shell: "bash"},
				{Name: "default"},
				{Name: "bob", Sudo: "ALL=(ALL) ALL\nbob ALL=(ALL) NOPASSWD: ALL"},
				{Name: "bob", SSHAuthorizedKeys: []string{"not a key"}},
			}
		}), []string{
			"users[0].name: Missing Value",
			"users[1].name: Invalid User",
			"users[1].groups[0]: Invalid User",
			"users[1].shell: Invalid User",
			"users[2].name: Invalid User",
			"users[3].sudo: Invalid Text",
			"users[4].name: Duplicate Entry",
			"users[4].ssh_authorized_keys[0]: Invalid SSH Public Key",
		}},
		{"ssh key with options", with(func(s *Spec) {
			s.SSHAuthorizedKeys = []string{`from="10.0.0.0/8",no-pty ` + testKey}
		}), nil},
		{"default user keys", with(func(s *Spec) {
			s.SSHAuthorizedKeys = []string{testKey, "ssh-ed25519 not-base64!"}
		}), []string{"ssh_authorized_keys[1]: Invalid SSH Public Key"}},
		{"packages and timezone", with(func(s *Spec) {
			s.Packages = []string{"nginx", "rm -rf /", "nginx=1.24*"}
			s.Timezone = "Europe/Paris; reboot"
		}), []string{"packages[1]: Invalid Package Name", "timezone: Invalid Timezone"}},
		{"files", with(func(s *Spec) {
			s.WriteFiles = []File{
				{Path: "etc/motd"},
				{Path: "/etc/a", Encoding: "zip"},
				{Path: "/etc/b", Encoding: "b64", Content: "not base64!"},
				{Path: "/etc/c", Owner: "root root", Permissions: "rw-r--r--"},
				{Path: "/etc/c"},
				{Path: "/etc/c", Append: true},
				{Path: "/etc/d", Content: "\xff"},
			}
		}), []string{
			"write_files[0].path: Invalid File",
			"write_files[1].encoding: Invalid File",
			"write_files[2].content: Invalid File",
			"write_files[3].owner: Invalid File",
			"write_files[3].permissions: Invalid File",
			"write_files[4].path: Duplicate Entry",
			"write_files[6].content: Invalid Text",
		}},
		{"commands", with(func(s *Spec) {
			s.RunCmd = []string{"echo ok", " "}
			s.BootCmd = []string{"echo \x1b[31m"}
		}), []string{"runcmd[1]: Invalid Command", "bootcmd[0]: Invalid Text"}},
		{"empty network", network(), []string{"network.interfaces: Missing Value"}},
		{"interface unmatched", network(Interface{DHCP4: true}), []string{"network.interfaces[0]: Invalid Interface"}},
		{"duplicate interfaces", network(
			Interface{Name: "eth0", MACAddress: "00:50:56:00:00:01", DHCP4: true},
			Interface{Name: "eth0", MACAddress: "00:50:56:00:00:01", DHCP4: true},
			Interface{MACAddress: "00-50-56-00-00-02", DHCP4: true},
			Interface{Name: "this-name-is-too-long", DHCP4: true},
		), []string{
			"network.interfaces[1].name: Duplicate Entry",
			"network.interfaces[1].mac_address: Duplicate Entry",
			"network.interfaces[2].mac_address: Invalid MAC Address",
			"network.interfaces[3].name: Invalid Interface",
		}},
		{"mac case duplicate", network(
			Interface{MACAddress: "00:50:56:AA:00:01", DHCP4: true},
			Interface{MACAddress: "00:50:56:aa:00:01", DHCP4: true},
		), []string{"network.interfaces[1].mac_address: Duplicate Entry"}},
		{"bad addresses", network(static(
			"192.0.2.10", "192.0.2.300/24", "192.0.2.0/24", "::ffff:192.0.2.1/120", "127.0.0.1/8",
			"192.0.2.10/24", "192.0.2.10/24",
		)), []string{
			"network.interfaces[0].addresses[0]: Invalid Address",
			"network.interfaces[0].addresses[1]: Invalid Address",
			"network.interfaces[0].addresses[2]: Invalid Address",
			"network.interfaces[0].addresses[3]: Invalid Address",
			"network.interfaces[0].addresses[4]: Invalid Address",
			"network.interfaces[0].addresses[6]: Duplicate Entry",
		}},
		{"point to point /31 and /32", network(static("192.0.2.0/31", "198.51.100.7/32")), nil},
		{"gateway outside subnet", network(Interface{
			Name: "ens192", Addresses: []string{"192.0.2.10/24", "2001:db8::10/64"},
			Gateway4: "198.51.100.1", Gateway6: "2001:db9::1",
		}), []string{
			"network.interfaces[0].gateway4: Gateway Outside Every Subnet",
			"network.interfaces[0].gateway6: Gateway Outside Every Subnet",
		}},
		{"gateway family and self", network(Interface{
			Name: "ens192", Addresses: []string{"192.0.2.10/24"}, Gateway4: "2001:db8::1", Gateway6: "192.0.2.1",
		}), []string{
			"network.interfaces[0].gateway4: Invalid Gateway",
			"network.interfaces[0].gateway6: Invalid Gateway",
		}},
		{"gateway is own address", network(Interface{
			Name: "ens192", Addresses: []string{"192.0.2.10/24"}, Gateway4: "192.0.2.10",
		}), []string{"network.interfaces[0].gateway4: Gateway Outside Every Subnet"}},
		{"gateway with dhcp only", network(Interface{Name: "ens192", DHCP4: true, Gateway4: "192.0.2.1"}),
			[]string{"network.interfaces[0].gateway4: Invalid Gateway"}},
		{"ipv6 link-local gateway", network(Interface{
			Name: "ens192", Addresses: []string{"2001:db8::10/64"}, Gateway6: "fe80::1",
		}), nil},
		{"two default gateways", network(
			Interface{Name: "a", Addresses: []string{"192.0.2.10/24"}, Gateway4: "192.0.2.1"},
			Interface{Name: "b", Addresses: []string{"198.51.100.10/24"}, Gateway4: "198.51.100.1"},
		), []string{"network.interfaces[1].gateway4: Invalid Gateway"}},
		{"routes", network(Interface{
			Name: "ens192", Addresses: []string{"192.0.2.10/24"},
			Routes: []Route{
				{To: "10.0.0.0/8", Via: "192.0.2.254"},
				{To: "10.0.0.1/8", Via: "192.0.2.254"},
				{To: "", Via: ""},
				{To: "10.0.0.0/8", Via: "198.51.100.1"},
				{To: "10.0.0.0/8", Via: "198.51.100.1", OnLink: true},
				{To: "2001:db8::/32", Via: "192.0.2.254"},
				{To: "default", Via: "192.0.2.254", Metric: -1},
			},
		}), []string{
			"network.interfaces[0].routes[1].to: Invalid Route",
			"network.interfaces[0].routes[2].to: Missing Value",
			"network.interfaces[0].routes[2].via: Missing Value",
			"network.interfaces[0].routes[3].via: Gateway Outside Every Subnet",
			"network.interfaces[0].routes[5].via: Invalid Route",
			"network.interfaces[0].routes[6].metric: Invalid Route",
		}},
		{"ipv6 default route is gateway6", network(Interface{
			Name: "ens192", Addresses: []string{"2001:db8::10/64"},
			Routes: []Route{
				{To: "default", Via: "2001:db8::1"},
				{To: "::/0", Via: "2001:db8::1"},
				{To: "0.0.0.0/0", Via: "2001:db8::1"},
				{To: "::/1", Via: "2001:db8::1"},
			},
		}), []string{
			"network.interfaces[0].routes[0].to: Invalid Route",
			"network.interfaces[0].routes[1].to: Invalid Route",
			"network.interfaces[0].routes[2].via: Invalid Route",
		}},
		{"dns and mtu", network(Interface{
			Name: "ens192", DHCP4: true, Addresses: []string{"2001:db8::10/64"},
			Nameservers: []string{"192.0.2.53", "dns.example.com"}, SearchDomains: []string{"example.com", "bad domain"},
			MTU: 1000,
		}), []string{
			"network.interfaces[0].nameservers[1]: Invalid DNS Server",
			"network.interfaces[0].search_domains[1]: Invalid DNS Search Domain",
			"network.interfaces[0].mtu: Invalid MTU",
		}},
		{"mtu range", network(Interface{Name: "ens192", DHCP4: true, MTU: 100000}),
			[]string{"network.interfaces[0].mtu: Invalid MTU"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := problemList(t, Validate(tc.spec))
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPasswordNeverEchoed(t *testing.T) {
	t.Parallel()
	err := Validate(Spec{Hostname: "a", Users: []User{{Name: "alice", HashedPassword: "S3cret-pass"}}})
	if err == nil || strings.Contains(err.Error(), "S3cret-pass") {
		t.Fatalf("error %v echoes the password or is missing", err)
	}
	if !strings.Contains(err.Error(), "mkpasswd -m sha-512") {
		t.Errorf("error %v does not say how to make a hash", err)
	}
}

func TestRawData(t *testing.T) {
	t.Parallel()
	const multipart = "Content-Type: multipart/mixed; boundary=\"B\"\nMIME-Version: 1.0\n\n--B\nContent-Type: text/x-shellscript\n\n#!/bin/sh\necho hi\n--B--\n"
	tests := []struct {
		name     string
		spec     Spec
		want     []string
		userData string // checked when no problem is expected
	}{
		{
			name:     "cloud-config merged after typed keys, comments dropped",
			spec:     Spec{Hostname: "a", Packages: []string{"nginx"}, UserDataRaw: "#cloud-config\n# note\nruncmd: [\"echo hi\"] # why\n"},
			userData: "#cloud-config\npackages:\n  - nginx\nruncmd: [\"echo hi\"]\n",
		},
		{
			name:     "header only",
			spec:     Spec{Hostname: "a", UserDataRaw: "#cloud-config\n"},
			userData: "#cloud-config\n{}\n",
		},
		{
			name:     "multipart alone passes through",
			spec:     Spec{Hostname: "a", UserDataRaw: multipart},
			userData: multipart,
		},
		{
			name:     "script alone passes through",
			spec:     Spec{Hostname: "a", UserDataRaw: "#!/bin/bash\necho hi\n"},
			userData: "#!/bin/bash\necho hi\n",
		},
		{
			name: "overlap",
			spec: Spec{Hostname: "a", Packages: []string{"nginx"}, UserDataRaw: "#cloud-config\npackages: [curl]\n"},
			want: []string{"user_data_raw: Key Set Twice"},
		},
		{
			name: "hostname in raw",
			spec: Spec{Hostname: "a", UserDataRaw: "#cloud-config\nhostname: b\n"},
			want: []string{"user_data_raw: Key Set Twice"},
		},
		{
			name: "unknown key and network",
			spec: Spec{Hostname: "a", UserDataRaw: "#cloud-config\npackagez: [a]\nnetwork: {version: 2}\n"},
			want: []string{"user_data_raw: Unknown Cloud-Config Key", "user_data_raw: Network In Raw Data"},
		},
		{
			name: "invalid yaml",
			spec: Spec{Hostname: "a", UserDataRaw: "#cloud-config\npackages: [a\n"},
			want: []string{"user_data_raw: Invalid Raw YAML"},
		},
		{
			name: "not a mapping",
			spec: Spec{Hostname: "a", UserDataRaw: "#cloud-config\n- a\n"},
			want: []string{"user_data_raw: Invalid Raw YAML"},
		},
		{
			name: "two documents",
			spec: Spec{Hostname: "a", UserDataRaw: "#cloud-config\npackages: [a]\n---\nruncmd: [b]\n"},
			want: []string{"user_data_raw: Invalid Raw YAML"},
		},
		{
			name: "merge key",
			spec: Spec{Hostname: "a", UserDataRaw: "#cloud-config\nntp: &n {enabled: true}\nchef:\n  <<: *n\n"},
			want: []string{"user_data_raw: Invalid Raw YAML"},
		},
		{
			name: "duplicate key",
			spec: Spec{Hostname: "a", UserDataRaw: "#cloud-config\nruncmd: [a]\nruncmd: [b]\n"},
			want: []string{"user_data_raw: Duplicate Entry"},
		},
		{
			name: "multipart with typed fields",
			spec: Spec{Hostname: "a", FQDN: "a.example.com", RunCmd: []string{"x"}, UserDataRaw: multipart},
			want: []string{"user_data_raw: Raw Data Cannot Be Merged"},
		},
		{
			name: "no header",
			spec: Spec{Hostname: "a", UserDataRaw: "packages: [a]\n"},
			want: []string{"user_data_raw: Unsupported Raw Data Format"},
		},
		{
			name: "vendor network",
			spec: Spec{Hostname: "a", VendorDataRaw: "#cloud-config\nnetwork:\n  version: 2\n"},
			want: []string{"vendor_data_raw: Network In Raw Data"},
		},
		{
			name: "vendor may repeat user keys",
			spec: Spec{Hostname: "a", Packages: []string{"a"}, VendorDataRaw: "#cloud-config\npackages: [b]\n"},
		},
		{
			name: "vendor without header",
			spec: Spec{Hostname: "a", VendorDataRaw: "hello"},
			want: []string{"vendor_data_raw: Unsupported Raw Data Format"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p, err := Render(tc.spec)
			if diff := cmp.Diff(tc.want, problemList(t, err)); diff != "" {
				t.Fatalf("problems (-want +got):\n%s", diff)
			}
			if err == nil && tc.userData != "" {
				if diff := cmp.Diff(tc.userData, p.UserData); diff != "" {
					t.Errorf("user-data (-want +got):\n%s", diff)
				}
			}
		})
	}
}

func TestUnknownKeyIsNamed(t *testing.T) {
	t.Parallel()
	err := Validate(Spec{Hostname: "a", UserDataRaw: "#cloud-config\nrun_cmd: [a]\n"})
	if err == nil || !strings.Contains(err.Error(), `"run_cmd"`) {
		t.Errorf("error %v does not name the key", err)
	}
	err = Validate(Spec{Hostname: "a", Timezone: "UTC", UserDataRaw: "#cloud-config\ntimezone: UTC\n"})
	if err == nil || !strings.Contains(err.Error(), `"timezone" is set both by the timezone attribute`) {
		t.Errorf("error %v does not name the overlapping key", err)
	}
}

func TestKnownCloudConfigKeys(t *testing.T) {
	t.Parallel()
	keys := KnownCloudConfigKeys()
	for _, k := range []string{"packages", "runcmd", "write_files", "users", "ntp", "apt"} {
		if !isKnownKey(k) {
			t.Errorf("%q is not known", k)
		}
	}
	keys[0] = "mutated"
	if KnownCloudConfigKeys()[0] == "mutated" {
		t.Error("KnownCloudConfigKeys exposes the internal slice")
	}
}

func TestPathString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		path Path
		want string
	}{
		{nil, ""},
		{Path{"hostname"}, "hostname"},
		{Path{"network", "interfaces", 1, "addresses", 0}, "network.interfaces[1].addresses[0]"},
	}
	for _, tc := range tests {
		if got := tc.path.String(); got != tc.want {
			t.Errorf("%#v.String() = %q, want %q", tc.path, got, tc.want)
		}
	}
}

// A key read with file() ends with a newline; it is accepted and trimmed.
func TestKeyFromFileKeepsNoNewline(t *testing.T) {
	t.Parallel()
	key := "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGb0tVpZl0S7F0Z8o3j3cL8j0xK1J6kq0d0i0Q1wW2eX alice@laptop"
	p, err := Render(Spec{Hostname: "web-01", SSHAuthorizedKeys: []string{key + "\n"},
		Users: []User{{Name: "ops", SSHAuthorizedKeys: []string{key + "\r\n"}}}})
	if err != nil {
		t.Fatalf("a key with a trailing newline was refused: %v", err)
	}
	if strings.Contains(p.UserData, key+"\n\n") || strings.Contains(p.UserData, "\\n") {
		t.Errorf("the newline reached the user-data:\n%s", p.UserData)
	}
	if !strings.Contains(p.UserData, key) {
		t.Errorf("the key is missing from the user-data:\n%s", p.UserData)
	}
}
