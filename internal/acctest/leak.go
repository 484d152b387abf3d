package acctest

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/vmware/govmomi/property"
	"github.com/vmware/govmomi/view"
	"github.com/vmware/govmomi/vim25/mo"
)

// HostContents is what exists on a simulated host: VMs, VMs with
// snapshots, files on the datastores and logged-in sessions.
type HostContents struct {
	VMs       []string
	Snapshots []string // names of VMs that have snapshots
	Files     []string
	Sessions  int // sessions other than the inspecting one
}

// Contents lists what exists on the host right now.
func (h *Host) Contents(ctx context.Context) HostContents {
	h.t.Helper()
	c, err := h.Client(ctx)
	if err != nil {
		h.t.Fatalf("log in to inspect the host: %v", err)
	}
	defer func() { _ = c.Logout(ctx) }()
	v, err := view.NewManager(c.Client).CreateContainerView(ctx, c.Client.ServiceContent.RootFolder, []string{"VirtualMachine"}, true)
	if err != nil {
		h.t.Fatal(err)
	}
	defer func() { _ = v.Destroy(ctx) }()
	var vms []mo.VirtualMachine
	if err := v.Retrieve(ctx, []string{"VirtualMachine"}, []string{"name", "snapshot"}, &vms); err != nil {
		h.t.Fatal(err)
	}
	var out HostContents
	for _, vm := range vms {
		out.VMs = append(out.VMs, vm.Name)
		if vm.Snapshot != nil && len(vm.Snapshot.RootSnapshotList) > 0 {
			out.Snapshots = append(out.Snapshots, vm.Name)
		}
	}
	sort.Strings(out.VMs)
	sort.Strings(out.Snapshots)
	if out.Files, err = h.Files(); err != nil {
		h.t.Fatal(err)
	}
	var sm mo.SessionManager
	if err := property.DefaultCollector(c.Client).RetrieveOne(ctx, *c.Client.ServiceContent.SessionManager, []string{"sessionList"}, &sm); err != nil {
		h.t.Fatal(err)
	}
	out.Sessions = len(sm.SessionList) - 1
	return out
}

// Leaks compares two listings: everything in after that is not in before
// and not explained by allow (substrings of VM or file names that the
// scenario is expected to create). Sessions are compared separately
// (SessionsLeaked): providers served in the test process stay configured
// until the test binary exits.
func Leaks(before, after HostContents, allow ...string) []string {
	allowed := func(s string) bool {
		for _, a := range allow {
			if strings.Contains(s, a) {
				return true
			}
		}
		return false
	}
	var out []string
	diff := func(kind string, b, a []string) {
		had := map[string]bool{}
		for _, x := range b {
			had[x] = true
		}
		for _, x := range a {
			if !had[x] && !allowed(x) {
				out = append(out, kind+" "+x)
			}
		}
	}
	diff("VM", before.VMs, after.VMs)
	diff("snapshot of VM", before.Snapshots, after.Snapshots)
	diff("file", before.Files, after.Files)
	return out
}

// SessionsLeaked reports sessions opened since before and still logged in.
func SessionsLeaked(before, after HostContents) error {
	if after.Sessions > before.Sessions {
		return fmt.Errorf("%d sessions logged in (were %d)", after.Sessions, before.Sessions)
	}
	return nil
}

// NoLeaks fails the test, listing what leaked, when after has anything
// before did not.
func NoLeaks(t testing.TB, before, after HostContents, allow ...string) {
	t.Helper()
	if l := Leaks(before, after, allow...); len(l) > 0 {
		t.Errorf("leaked on the host:\n  %s", strings.Join(l, "\n  "))
	}
}
