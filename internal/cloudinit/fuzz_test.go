package cloudinit

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"go.yaml.in/yaml/v3"
)

// FuzzRender checks that any input either renders documents that parse
// back to the values given, or returns a *ValidationError; never a panic.
// An empty string leaves its field unset.
func FuzzRender(f *testing.F) {
	f.Add("web-01", "alice", "nginx", "hello\nworld\n", "echo hi", "192.0.2.10/24", "192.0.2.1", "00:50:56:00:00:01", "", "", true)
	f.Add("db-01", "", "yes", "0644", "1:20", "2001:db8::10/64", "", "", "#cloud-config\nntp: {enabled: yes}\n", "#cloud-config\nfinal_message: done\n", false)
	f.Add("a", "", "", "", "", "", "", "", "#!/bin/sh\necho hi\n", "", false)
	f.Add("web-01", "bob", "curl", "key: value\n- not a list", "echo 'a: b' # c", "10.0.0.5/8", "10.0.0.1", "", "#cloud-config\npackages: [x]\n", "", false)
	f.Add("x", "root", "a", "\"quoted\"\t\\", "{{ jinja }}", "", "", "00:50:56:AA:BB:CC", "#cloud-config\n", "#!/bin/sh\n", true)
	f.Fuzz(func(t *testing.T, hostname, user, pkg, content, cmd, addr, gw, mac, rawUser, rawVendor string, dhcp bool) {
		spec := fuzzSpec(hostname, user, pkg, content, cmd, addr, gw, mac, rawUser, rawVendor, dhcp)
		p, err := Render(spec)
		if err != nil {
			var ve *ValidationError
			if !errors.As(err, &ve) || len(ve.Problems) == 0 {
				t.Fatalf("Render returned %T %v, want a *ValidationError with problems", err, err)
			}
			return
		}

		u, m, v, err := Decode(p.GuestInfo)
		if err != nil {
			t.Fatalf("Decode: %v", err)
		}
		if u != p.UserData || m != p.MetaData || v != p.VendorData {
			t.Fatal("guestinfo does not decode to the rendered documents")
		}
		if v != rawVendor {
			t.Errorf("vendor-data %q, want the raw vendor data unchanged", v)
		}

		var md map[string]any
		if err := yaml.Unmarshal([]byte(p.MetaData), &md); err != nil {
			t.Fatalf("meta-data does not parse: %v\n%s", err, p.MetaData)
		}
		if errs := checkMetaData(p.MetaData); len(errs) > 0 {
			t.Fatalf("meta-data breaks the schema: %v\n%s", errs, p.MetaData)
		}
		want := map[string]any{"instance-id": p.InstanceID, "local-hostname": hostname}
		if spec.Network != nil {
			eth := map[string]any{}
			if mac != "" {
				norm, _ := normalizeMAC(mac)
				eth["match"] = map[string]any{"macaddress": norm}
				eth["set-name"] = "eth0"
			}
			if dhcp {
				eth["dhcp4"] = true
			}
			if addr != "" {
				eth["addresses"] = []any{addr}
			}
			if gw != "" {
				eth["routes"] = []any{map[string]any{"to": "0.0.0.0/0", "via": gw}}
			}
			want["network"] = map[string]any{"version": 2, "ethernets": map[string]any{"eth0": eth}}
		}
		if diff := cmp.Diff(want, md); diff != "" {
			t.Fatalf("meta-data values (-want +got):\n%s", diff)
		}

		if classifyRaw(rawUser) == rawOpaque {
			if p.UserData != rawUser {
				t.Fatal("opaque raw user-data was changed")
			}
			return
		}
		if !strings.HasPrefix(p.UserData, "#cloud-config\n") {
			t.Fatalf("user-data lacks the header:\n%s", p.UserData)
		}
		var ud map[string]any
		if err := yaml.Unmarshal([]byte(p.UserData), &ud); err != nil {
			t.Fatalf("user-data does not parse: %v\n%s", err, p.UserData)
		}
		wantUD := map[string]any{}
		if rawUser != "" {
			if err := yaml.Unmarshal([]byte(rawUser), &wantUD); err != nil {
				t.Fatalf("raw user-data accepted but does not parse: %v", err)
			}
		} else if errs := checkUserData(p.UserData); len(errs) > 0 {
			t.Fatalf("user-data breaks the schema: %v\n%s", errs, p.UserData)
		}
		if user != "" {
			wantUD["users"] = []any{"default", map[string]any{"name": user, "groups": []any{user}, "shell": "/bin/sh"}}
		}
		if pkg != "" {
			wantUD["packages"] = []any{pkg}
		}
		if content != "" {
			wantUD["write_files"] = []any{map[string]any{"path": "/etc/fuzz", "content": content}}
		}
		if cmd != "" {
			wantUD["runcmd"] = []any{cmd}
			wantUD["bootcmd"] = []any{cmd}
		}
		if len(wantUD) == 0 {
			wantUD = nil
		}
		if diff := cmp.Diff(wantUD, ud, cmpopts.EquateNaNs(), cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("user-data values (-want +got):\n%s\n%s", diff, p.UserData)
		}
	})
}

// fuzzSpec builds the Spec FuzzRender renders from its arguments; the
// corpus tests (corpus_test.go) build the same specs.
func fuzzSpec(hostname, user, pkg, content, cmd, addr, gw, mac, rawUser, rawVendor string, dhcp bool) Spec {
	spec := Spec{Hostname: hostname, UserDataRaw: rawUser, VendorDataRaw: rawVendor}
	if user != "" {
		spec.Users = []User{{Name: user, Groups: []string{user}, Shell: "/bin/sh"}}
	}
	if pkg != "" {
		spec.Packages = []string{pkg}
	}
	if content != "" {
		spec.WriteFiles = []File{{Path: "/etc/fuzz", Content: content}}
	}
	if cmd != "" {
		spec.RunCmd = []string{cmd}
		spec.BootCmd = []string{cmd}
	}
	if addr != "" || mac != "" || gw != "" || dhcp {
		ifc := Interface{Name: "eth0", MACAddress: mac, DHCP4: dhcp, Gateway4: gw}
		if addr != "" {
			ifc.Addresses = []string{addr}
		}
		spec.Network = &Network{Interfaces: []Interface{ifc}}
	}
	return spec
}
