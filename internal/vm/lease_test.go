package vm_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/vmware/govmomi/property"
	"github.com/vmware/govmomi/view"
	"github.com/vmware/govmomi/vim25/mo"

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
