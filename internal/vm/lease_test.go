package vm_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/vmware/govmomi/property"
	"github.com/vmware/govmomi/view"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
	"github.com/esxi-commander/terraform-provider-ceso/internal/vm"
)

// extraConfig reads one VM's extra config straight from the host.
func (e *env) extraConfig(name string) map[string]string {
	e.t.Helper()
	ctx := context.Background()
	c, err := e.host.Client(ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	defer func() { _ = c.Logout(ctx) }()
	v, err := view.NewManager(c.Client).CreateContainerView(ctx, c.Client.ServiceContent.RootFolder, []string{"VirtualMachine"}, true)
	if err != nil {
		e.t.Fatal(err)
	}
	defer func() { _ = v.Destroy(ctx) }()
	var vms []mo.VirtualMachine
	if err := v.RetrieveWithFilter(ctx, []string{"VirtualMachine"}, []string{"config.extraConfig"}, &vms, property.Match{"name": name}); err != nil {
		e.t.Fatal(err)
	}
	out := map[string]string{}
	for _, o := range vms[0].Config.ExtraConfig {
		if s, ok := o.GetOptionValue().Value.(string); ok {
			out[o.GetOptionValue().Key] = s
		}
	}
	return out
}

// A create holds its VM with a lease it renews while it runs (here, while
// the host copies the template's disk for longer than the lease lasts);
// meanwhile Leftovers reports the VM as busy, and the complete VM carries
// no lease.
func TestCreateRenewsItsLease(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simhost.Options{})
	e.m.LeaseTTL = 2 * time.Second
	e.host.HoldCopies()
	t.Cleanup(e.host.ReleaseCopies)
	spec := vm.Spec{Name: "leased", Template: simhost.TemplateName, Power: vm.PowerOff}
	done := make(chan error, 1)
	go func() {
		_, err := e.m.Create(e.ctx, spec, vm.Options{})
		done <- err
	}()
	for e.host.StartedCopies() == 0 {
		time.Sleep(20 * time.Millisecond)
	}
	first := e.extraConfig("leased")
	if first[vm.KeyLease] == "" || first[vm.KeyState] != vm.StateCreating || first[vm.KeyCreateID] == "" {
		t.Fatalf("the VM in creation has no lease: %v", first)
	}
	deadline := time.Now().Add(time.Minute)
	for e.extraConfig("leased")[vm.KeyLease] == first[vm.KeyLease] {
		if time.Now().After(deadline) {
			t.Fatal("the lease was never renewed while the create ran")
		}
		time.Sleep(100 * time.Millisecond)
	}
	// Another caller (here: the same Manager, as any process would) sees
	// the VM as held.
	other := vm.New(e.c)
	ls, err := other.Leftovers(e.ctx, spec)
	if err != nil || len(ls) != 1 || ls[0].Action != vm.LeftoverBusy || ls[0].Until.IsZero() {
		t.Fatalf("leftovers during the create = %+v, %v; want the VM busy under its lease", ls, err)
	}
	_, err = other.Create(e.ctx, spec, vm.Options{})
	var busy *vm.InProgressError
	if !errors.As(err, &busy) || busy.CreateID != first[vm.KeyCreateID] {
		t.Fatalf("a second create during the first = %v, want an *InProgressError", err)
	}
	e.host.ReleaseCopies()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	after := e.extraConfig("leased")
	if _, ok := after[vm.KeyLease]; ok || after[vm.KeyState] != vm.StateReady {
		t.Errorf("the complete VM: %v; want ready without a lease", after)
	}
	if ls, err := other.Leftovers(e.ctx, spec); err != nil || len(ls) != 1 || ls[0].Action != vm.LeftoverReady {
		t.Errorf("leftovers after the create = %+v, %v; want it ready (refused)", ls, err)
	}
}

// Two processes find the same incomplete VM of a dead create at once (its
// lease ran out) and both create the VM again: only one removes it and
// makes the VM; the other is told it is being created elsewhere. Exactly
// one VM remains, complete, with its files.
func TestTwoRetriesClaimOneLeftover(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simhost.Options{})
	spec := vm.Spec{Name: "contested", Template: simhost.TemplateName, Power: vm.PowerOff}
	// A create that dies after its VM exists: the copy fails and so does
	// the cleanup.
	e.failNth("CopyVirtualDisk_Task", 1, &types.NoDiskSpace{Datastore: "LocalDS_0"})
	e.failNth("Destroy_Task", 1, &types.HostCommunication{})
	if _, err := e.m.Create(e.ctx, spec, vm.Options{}); err == nil {
		t.Fatal("the first create succeeded")
	}
	left, err := e.m.Lookup(e.ctx, spec.Name, vm.ReadOptions{})
	if err != nil || left.MarkerState != vm.StateCreating {
		t.Fatalf("left-over VM = %+v, %v", left, err)
	}
	e.guest(left.UUID, vm.KeyLease, "2000-01-01T00:00:00Z")

	others := []*vm.Manager{vm.New(e.c), vm.New(e.c)}
	errs := make(chan error, len(others))
	for _, m := range others {
		go func() {
			_, err := m.Create(e.ctx, spec, vm.Options{})
			errs <- err
		}()
	}
	var ok, busy int
	for range others {
		err := <-errs
		var ip *vm.InProgressError
		switch {
		case err == nil:
			ok++
		case errors.As(err, &ip):
			busy++
		default:
			// The host's refusal of a second VM of the name is an honest
			// loss of the race too, as long as nothing was destroyed.
			t.Logf("the other create: %v", err)
		}
	}
	if ok != 1 {
		t.Fatalf("%d creates succeeded, want exactly 1 (busy %d)", ok, busy)
	}
	e.c.Inventory.Invalidate()
	got, err := e.m.Lookup(e.ctx, spec.Name, vm.ReadOptions{})
	if err != nil || got.MarkerState != vm.StateReady {
		t.Fatalf("the VM = %+v, %v; want one complete VM", got, err)
	}
	if n := e.count(spec.Name); n != 1 {
		t.Errorf("%d VMs named %s", n, spec.Name)
	}
	want := strings.TrimPrefix(got.VMXPath, "[LocalDS_0] ")
	if f := e.files(want); len(f) != 1 {
		t.Errorf("the VM's .vmx %s is missing: %v", want, e.files(spec.Name))
	}
	for _, d := range got.Disks {
		if f := e.files(strings.TrimPrefix(d.Path, "[LocalDS_0] ")); len(f) != 1 {
			t.Errorf("disk %s is missing", d.Path)
		}
	}
}
