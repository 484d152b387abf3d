package cloudinit

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.yaml.in/yaml/v3"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

const (
	testKey  = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGm0v1aiJ2iqv0S8JbP1q5g9tBvF4bXyQ7yT1rZ9kLxA alice@example.com"
	testKey2 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBcD6h1Q4m2nVY7yKp0WmZ3tR8uF5xJ2aL9eN1sQ3vTo deploy@ci"
	testHash = "$6$rounds=4096$s4lt$Jx8T0z6qPq2wH1mG9lE4vK7yB3nR5cD8fA2sU6oI0pL9tZ1xW4hV7jN3bM5kQ8rY2eC6gF0aS9dU1iO4pL7zX."
)

func ptr[T any](v T) *T { return &v }

// goldenCases are the documented scenarios; each renders to
// testdata/<name>.user-data.golden, .meta-data.golden and, when present,
// .vendor-data.golden.
var goldenCases = []struct {
	name string
	spec Spec
}{
	{
		name: "dhcp",
		spec: Spec{
			Hostname:          "web-01",
			SSHAuthorizedKeys: []string{testKey},
			Network: &Network{Interfaces: []Interface{
				{Name: "ens192", DHCP4: true},
			}},
		},
	},
	{
		name: "static-single-nic",
		spec: Spec{
			Hostname:      "db-01",
			FQDN:          "db-01.example.com",
			PackageUpdate: ptr(true),
			Packages:      []string{"postgresql", "yes"},
			Timezone:      "Europe/Paris",
			Users: []User{{
				Name:              "alice",
				Groups:            []string{"sudo", "adm"},
				Sudo:              "ALL=(ALL) NOPASSWD:ALL",
				Shell:             "/bin/bash",
				SSHAuthorizedKeys: []string{testKey},
				HashedPassword:    testHash,
			}},
			WriteFiles: []File{
				{Path: "/etc/motd", Content: "Managed by ceso.\nHands off.\n", Permissions: "0644", Owner: "root:root"},
				{Path: "/opt/app/config.json", Content: `{"port": 8080, "debug": false}`, Defer: true},
			},
			BootCmd: []string{"echo boot > /run/ceso-boot"},
			RunCmd:  []string{"systemctl enable --now postgresql", "echo 'done: yes' >> /var/log/ceso.log"},
			Network: &Network{Interfaces: []Interface{{
				Name:          "ens192",
				MACAddress:    "00:50:56:AB:CD:01",
				Addresses:     []string{"192.0.2.10/24"},
				Gateway4:      "192.0.2.1",
				Nameservers:   []string{"192.0.2.53", "198.51.100.53"},
				SearchDomains: []string{"example.com"},
				MTU:           9000,
			}}},
		},
	},
	{
		name: "two-nics",
		spec: Spec{
			Hostname:   "gw-01",
			InstanceID: "gw-01-v1",
			Network: &Network{Interfaces: []Interface{
				{
					MACAddress:  "00:50:56:00:00:01",
					Addresses:   []string{"192.0.2.10/24"},
					Gateway4:    "192.0.2.1",
					Nameservers: []string{"192.0.2.53"},
				},
				{
					Name:       "backend",
					MACAddress: "00:50:56:00:00:02",
					Addresses:  []string{"10.10.0.10/16"},
					Routes: []Route{
						{To: "10.20.0.0/16", Via: "10.10.0.1", Metric: 100},
						{To: "172.16.0.0/12", Via: "10.99.0.1", OnLink: true},
					},
				},
			}},
		},
	},
	{
		name: "ipv6",
		spec: Spec{
			Hostname: "v6-01",
			Network: &Network{Interfaces: []Interface{{
				Name:          "ens192",
				DHCP4:         true,
				Addresses:     []string{"2001:db8:1::10/64"},
				Gateway6:      "2001:db8:1::1",
				Nameservers:   []string{"2001:db8:1::53"},
				SearchDomains: []string{"v6.example.com"},
				Routes:        []Route{{To: "2001:db8:2::/48", Via: "fe80::1"}},
			}}},
		},
	},
	{
		name: "raw-merge",
		spec: Spec{
			Hostname: "app-01",
			Packages: []string{"nginx"},
			UserDataRaw: "#cloud-config\n" +
				"# users bring their own modules\n" +
				"ntp:\n  enabled: true\n  servers: [ntp.example.com]\n" +
				"power_state:\n  mode: reboot\n  condition: true\n",
			VendorDataRaw: "#cloud-config\nfinal_message: \"vendor done\"\n",
		},
	},
	{
		name: "raw-passthrough",
		spec: Spec{
			Hostname: "legacy-01",
			UserDataRaw: "Content-Type: multipart/mixed; boundary=\"BOUNDARY\"\n" +
				"MIME-Version: 1.0\n\n" +
				"--BOUNDARY\nContent-Type: text/x-shellscript\n\n#!/bin/sh\necho hello\n" +
				"--BOUNDARY--\n",
			VendorDataRaw: "#!/bin/sh\necho vendor\n",
		},
	},
}

func TestRenderGolden(t *testing.T) {
	t.Parallel()
	for _, tc := range goldenCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p, err := Render(tc.spec)
			if err != nil {
				t.Fatalf("Render: %v", err)
			}
			docs := map[string]string{"user-data": p.UserData, "meta-data": p.MetaData, "vendor-data": p.VendorData}
			for kind, got := range docs {
				file := filepath.Join("testdata", tc.name+"."+kind+".golden")
				if got == "" {
					if _, err := os.Stat(file); err == nil {
						t.Errorf("%s: rendered nothing, but %s exists", kind, file)
					}
					continue
				}
				if *update {
					if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
						t.Fatal(err)
					}
				}
				want, err := os.ReadFile(file)
				if err != nil {
					t.Fatalf("%v (run with -update to create it)", err)
				}
				if diff := cmp.Diff(string(want), got); diff != "" {
					t.Errorf("%s mismatch (-golden +got):\n%s", kind, diff)
				}
			}
		})
	}
}

// TestGoldenFilesFollowSchema parses every golden file back with a YAML
// library and checks it against cloud-init's and netplan's rules for the
// keys used.
func TestGoldenFilesFollowSchema(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(filepath.Join("testdata", "*.golden"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 10 {
		t.Fatalf("found %d golden files, want at least 10", len(files))
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			t.Parallel()
			b, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			doc := string(b)
			var errs []string
			switch {
			case strings.HasSuffix(file, ".meta-data.golden"):
				errs = checkMetaData(doc)
			case classifyRaw(doc) == rawCloudConfig:
				errs = checkUserData(doc)
			case classifyRaw(doc) == rawOpaque:
				return
			default:
				errs = []string{"unrecognised document"}
			}
			for _, e := range errs {
				t.Error(e)
			}
		})
	}
}

func TestSchemaCheckerCatchesMistakes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, doc string
		meta      bool
	}{
		{"yaml11 bool", "#cloud-config\npackages: [yes]\n", false},
		{"sexagesimal", "#cloud-config\nruncmd: [1:20]\n", false},
		{"unknown key", "#cloud-config\npackagez: [a]\n", false},
		{"gateway4", "instance-id: a\nlocal-hostname: b\nnetwork:\n  version: 2\n  ethernets:\n    e:\n      gateway4: \"1.2.3.4\"\n", true},
		{"to default", "instance-id: a\nlocal-hostname: b\nnetwork:\n  version: 2\n  ethernets:\n    e:\n      routes: [{to: default, via: \"1.2.3.4\"}]\n", true},
		{"ipv6 default route", "instance-id: a\nlocal-hostname: b\nnetwork:\n  version: 2\n  ethernets:\n    e:\n      routes: [{to: \"::/0\", via: \"2001:db8::1\"}]\n", true},
		{"unquoted mac", "instance-id: a\nlocal-hostname: b\nnetwork:\n  version: 2\n  ethernets:\n    e:\n      match: {macaddress: 10:50:56:00:00:01}\n", true},
		{"bad version", "instance-id: a\nlocal-hostname: b\nnetwork:\n  version: 1\n  ethernets: {}\n", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			check := checkUserData
			if tc.meta {
				check = checkMetaData
			}
			if errs := check(tc.doc); len(errs) == 0 {
				t.Errorf("checker accepted %q", tc.doc)
			}
		})
	}
}

func TestRenderDeterministic(t *testing.T) {
	t.Parallel()
	for _, tc := range goldenCases {
		a, err := Render(tc.spec)
		if err != nil {
			t.Fatal(err)
		}
		b, err := Render(tc.spec)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(a, b); diff != "" {
			t.Errorf("%s: two renders differ:\n%s", tc.name, diff)
		}
	}
}

func TestInstanceID(t *testing.T) {
	t.Parallel()
	base := Spec{Hostname: "web-01", Packages: []string{"nginx"}}
	a, err := Render(base)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(a.InstanceID, "ceso-") || len(a.InstanceID) != len("ceso-")+16 {
		t.Errorf("derived instance-id %q, want ceso- and 16 hex digits", a.InstanceID)
	}
	if !strings.Contains(a.MetaData, "instance-id: "+a.InstanceID+"\n") {
		t.Errorf("meta-data lacks the instance-id:\n%s", a.MetaData)
	}

	changed := base
	changed.Packages = []string{"nginx", "curl"}
	b, err := Render(changed)
	if err != nil {
		t.Fatal(err)
	}
	if a.InstanceID == b.InstanceID || a.Hash == b.Hash {
		t.Errorf("a change of content kept instance-id %q / hash %q", b.InstanceID, b.Hash)
	}

	fixed := changed
	fixed.InstanceID = "my-id"
	c, err := Render(fixed)
	if err != nil {
		t.Fatal(err)
	}
	if c.InstanceID != "my-id" {
		t.Errorf("instance-id %q, want my-id", c.InstanceID)
	}
	if c.Hash == b.Hash {
		t.Error("the hash does not cover the instance-id")
	}
}

// TestNoKeyInjection renders values that look like YAML and checks that they
// come back as the same strings, with no key added.
func TestNoKeyInjection(t *testing.T) {
	t.Parallel()
	evil := []string{
		"echo hi\nruncmd:\n  - evil",
		"x\n---\nusers: []\n",
		"a: b",
		"- item",
		"&anchor value",
		"*alias",
		"!!binary aGk=",
		"'quoted'",
		"# comment",
		"null",
		"0x10",
		"1:20",
		"on",
		"... end",
		"\"\\u0041\"",
		" leading and trailing ",
	}
	p, err := Render(Spec{Hostname: "a", RunCmd: evil, WriteFiles: []File{{Path: "/x", Content: strings.Join(evil, "\n")}}})
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		RunCmd     []string `yaml:"runcmd"`
		WriteFiles []struct {
			Content string `yaml:"content"`
		} `yaml:"write_files"`
	}
	var keys map[string]any
	if err := yaml.Unmarshal([]byte(p.UserData), &keys); err != nil {
		t.Fatal(err)
	}
	if len(keys) != 2 {
		t.Errorf("user-data has keys %v, want runcmd and write_files only", keys)
	}
	if err := yaml.Unmarshal([]byte(p.UserData), &got); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(evil, got.RunCmd); diff != "" {
		t.Errorf("runcmd (-want +got):\n%s", diff)
	}
	if len(got.WriteFiles) != 1 || got.WriteFiles[0].Content != strings.Join(evil, "\n") {
		t.Errorf("write_files content changed: %+v", got.WriteFiles)
	}
	if errs := checkUserData(p.UserData); len(errs) > 0 {
		t.Errorf("schema: %v", errs)
	}
}
