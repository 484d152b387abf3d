package provider

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/esxi-commander/terraform-provider-ceso/internal/cloudinit"
)

// TestCloudinitProblemsToDiagnostics checks that every domain problem
// becomes an attribute error on the path the domain names.
func TestCloudinitProblemsToDiagnostics(t *testing.T) {
	t.Parallel()
	err := cloudinit.Validate(cloudinit.Spec{
		Hostname: "web_01",
		Users:    []cloudinit.User{{Name: "alice", HashedPassword: "hunter2"}},
		Network: &cloudinit.Network{Interfaces: []cloudinit.Interface{
			{Name: "eth0", DHCP4: true},
			{Name: "eth1", Addresses: []string{"192.0.2.10/24"}, Routes: []cloudinit.Route{{To: "10.0.0.0/8", Via: "198.51.100.1"}}},
		}},
	})
	var diags diag.Diagnostics
	addCloudinitProblems(&diags, err)
	var got []string
	for _, d := range diags {
		wp, ok := d.(diag.DiagnosticWithPath)
		if !ok {
			t.Fatalf("diagnostic %q has no attribute path", d.Summary())
		}
		got = append(got, wp.Path().String()+": "+d.Summary())
	}
	want := []string{
		"hostname: Invalid Hostname",
		"users[0].hashed_password: Clear-Text Password",
		"network.interfaces[1].routes[0].via: Gateway Outside Every Subnet",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("diagnostics (-want +got):\n%s", diff)
	}

	diags = nil
	addCloudinitProblems(&diags, errors.New("boom"))
	if len(diags) != 1 || diags[0].Summary() != "Cannot Render Cloud-Init Payload" {
		t.Errorf("a plain error gave %v", diags)
	}
}

func TestCloudinitAttributePath(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   cloudinit.Path
		want string
		ok   bool
	}{
		{nil, "", false},
		{cloudinit.Path{0}, "", false},
		{cloudinit.Path{"hostname"}, "hostname", true},
		{cloudinit.Path{"network", "interfaces", 2, "addresses", 0}, "network.interfaces[2].addresses[0]", true},
		{cloudinit.Path{"users", 1.5}, "", false},
	}
	for _, tc := range tests {
		got, ok := attributePath(tc.in)
		if ok != tc.ok || (ok && got.String() != tc.want) {
			t.Errorf("attributePath(%v) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}
