package esxi_test

import (
	"context"
	"testing"
	"time"

	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/esxi"
	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
)

// A wait survives the host ending the watcher's session: the watcher
// starts over with a collector in the new session and the wait still sees
// the guest's address when it comes.
func TestWatcherSurvivesSessionEnd(t *testing.T) {
	t.Parallel()
	h := startHost(t, simhost.Options{})
	a := newAdmin(t, h)
	ctx := context.Background()
	c, err := esxi.Connect(ctx, configFor(h))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	vm, err := find.NewFinder(a.c.Client, true).VirtualMachine(ctx, "/ha-datacenter/vm/"+simhost.TemplateName)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		wctx, cancel := context.WithTimeout(ctx, time.Minute)
		defer cancel()
		v, err := c.Watcher.Wait(wctx, vm.Reference(), func(v *esxi.VM) bool { return v.PrimaryIP == "10.9.8.7" })
		if err == nil && v.Name != simhost.TemplateName {
			t.Errorf("the wait saw VM %q", v.Name)
		}
		done <- err
	}()
	for c.Watcher.Polls() < 2 {
		time.Sleep(10 * time.Millisecond)
	}
	a.terminateOthers() // the host ends the watcher's session
	polls := c.Watcher.Polls()
	for c.Watcher.Polls() < polls+2 {
		time.Sleep(10 * time.Millisecond)
	}
	task, err := vm.Reconfigure(ctx, types.VirtualMachineConfigSpec{ExtraConfig: []types.BaseOptionValue{
		&types.OptionValue{Key: "SET.guest.ipAddress", Value: "10.9.8.7"}}})
	if err == nil {
		err = task.Wait(ctx)
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("the wait across a session end: %v", err)
	}
}

// A wait that starts as soon as another on the same VM ended sees what the
// first one saw: one change that met both conditions (Tools and an address
// reported at once) must end both waits, although the watcher's filter on
// the VM outlived the first wait and reports only changes.
func TestWatcherBackToBackWaits(t *testing.T) {
	t.Parallel()
	h := startHost(t, simhost.Options{})
	a := newAdmin(t, h)
	ctx := context.Background()
	c, err := esxi.Connect(ctx, configFor(h))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	vm, err := find.NewFinder(a.c.Client, true).VirtualMachine(ctx, "/ha-datacenter/vm/"+simhost.TemplateName)
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		for c.Watcher.Polls() < 1 {
			time.Sleep(10 * time.Millisecond)
		}
		task, err := vm.Reconfigure(ctx, types.VirtualMachineConfigSpec{ExtraConfig: []types.BaseOptionValue{
			&types.OptionValue{Key: "SET.guest.toolsRunningStatus", Value: "guestToolsRunning"},
			&types.OptionValue{Key: "SET.guest.ipAddress", Value: "10.9.8.7"}}})
		if err == nil {
			_ = task.Wait(ctx)
		}
	}()
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if _, err := c.Watcher.Wait(wctx, vm.Reference(), func(v *esxi.VM) bool { return v.ToolsRunning == "guestToolsRunning" }); err != nil {
		t.Fatalf("first wait: %v", err)
	}
	if _, err := c.Watcher.Wait(wctx, vm.Reference(), func(v *esxi.VM) bool { return v.PrimaryIP == "10.9.8.7" }); err != nil {
		t.Fatalf("the second wait did not see the address the first change reported: %v", err)
	}
}
