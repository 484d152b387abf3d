package simhost_test

import (
	"context"
	"testing"
	"time"

	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
)

// After a power-on the simulator reports what a real host reports before
// VMware Tools start in the guest: Tools not running, a gray heartbeat.
// PlayGuest then plays a guest that boots (Tools running, heartbeat green),
// except in a VM whose notes hold simhost.SilentGuest.
func TestGuestHeartbeat(t *testing.T) {
	t.Parallel()
	h, c := started(t, simhost.Options{Templates: 2})
	ctx := context.Background()
	f := find.NewFinder(c.Client)
	booting, err := f.VirtualMachine(ctx, simhost.TemplateName)
	if err != nil {
		t.Fatal(err)
	}
	silent, err := f.VirtualMachine(ctx, simhost.TemplateName+"-1")
	if err != nil {
		t.Fatal(err)
	}
	task, err := silent.Reconfigure(ctx, types.VirtualMachineConfigSpec{Annotation: "a guest that never boots " + simhost.SilentGuest})
	if err == nil {
		err = task.Wait(ctx)
	}
	if err != nil {
		t.Fatal(err)
	}
	for _, vm := range []*object.VirtualMachine{booting, silent} {
		task, err := vm.PowerOn(ctx)
		if err == nil {
			err = task.Wait(ctx)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	read := func(vm *object.VirtualMachine) (string, string) {
		var o mo.VirtualMachine
		if err := vm.Properties(ctx, vm.Reference(), []string{"summary.quickStats.guestHeartbeatStatus", "guest.toolsRunningStatus"}, &o); err != nil {
			t.Fatal(err)
		}
		return string(o.Summary.QuickStats.GuestHeartbeatStatus), o.Guest.ToolsRunningStatus
	}
	for _, vm := range []*object.VirtualMachine{booting, silent} {
		if hb, tools := read(vm); hb != string(types.ManagedEntityStatusGray) || tools == string(types.VirtualMachineToolsRunningStatusGuestToolsRunning) {
			t.Fatalf("%s right after the power-on: heartbeat %q, tools %q; want gray and not running, as before Tools start in a guest", vm.Name(), hb, tools)
		}
	}
	pctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if err := h.PlayGuest(pctx, 20*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		hb, tools := read(booting)
		if hb == string(types.ManagedEntityStatusGreen) && tools == string(types.VirtualMachineToolsRunningStatusGuestToolsRunning) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the played guest never reported: heartbeat %q, tools %q", hb, tools)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// The booting guest reported after several rounds; the silent one got
	// as many and still says nothing.
	time.Sleep(100 * time.Millisecond)
	if hb, tools := read(silent); hb != string(types.ManagedEntityStatusGray) || tools == string(types.VirtualMachineToolsRunningStatusGuestToolsRunning) {
		t.Errorf("the silent guest reported: heartbeat %q, tools %q", hb, tools)
	}
}
