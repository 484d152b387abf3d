package vm_test

import (
	"strings"
	"testing"
	"time"

	"github.com/esxi-commander/terraform-provider-ceso/internal/esxi"
	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
	"github.com/esxi-commander/terraform-provider-ceso/internal/vm"
)

// A VM made with KeepLease keeps a running lease while its maker holds it;
// RemoveExpired leaves it alone then, and removes it with its files once
// the maker stopped holding it and the lease ran out. A VM that does not
// match, or that ceso did not make, is never touched.
func TestHoldLeaseAndRemoveExpired(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simhost.Options{})
	e.m.LeaseTTL = 2 * time.Second
	st := e.create(vm.Spec{Name: "held", Power: vm.PowerOff, Disks: []vm.Disk{{SizeGiB: 1, UnitNumber: -1}},
		NICs: []vm.NIC{{Network: "VM Network", Disconnected: true}}}, vm.Options{KeepLease: true})
	other := e.create(vm.Spec{Name: "kept", Power: vm.PowerOff}, vm.Options{})
	if len(st.NICs) != 1 || st.NICs[0].Connected {
		t.Errorf("NICs %+v, want one unplugged", st.NICs)
	}
	if e.read(st.UUID).MarkerState != vm.StateReady {
		t.Fatalf("the VM made with KeepLease is not ready")
	}
	held := func(v *esxi.VM) bool { return v.Name == "held" || v.Name == "kept" }
	stop, err := e.m.HoldLease(e.ctx, st.UUID)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(3 * time.Second) // longer than the lease: only the renewals keep it
	removed, err := e.m.RemoveExpired(e.ctx, held)
	if err != nil || len(removed) != 0 {
		t.Fatalf("RemoveExpired under a held lease removed %v (error %v)", removed, err)
	}
	stop()
	time.Sleep(2500 * time.Millisecond)
	removed, err = e.m.RemoveExpired(e.ctx, held)
	if err != nil {
		t.Fatal(err)
	}
	if len(removed) != 1 || removed[0] != "held" {
		t.Errorf("removed %v, want [held]", removed)
	}
	if e.count("held") != 0 || len(e.files("/held/")) != 0 {
		t.Errorf("the expired VM or its files remain: %v", e.files("/held/"))
	}
	if e.count("kept") != 1 {
		t.Errorf("RemoveExpired removed %s, a VM ceso made without KeepLease (no lease at all)", other.Name)
	}
}

// WaitForGuest ends when Tools run with a green heartbeat, and says what it
// saw last when they do not in time.
func TestWaitForGuest(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simhost.Options{})
	st := e.create(vm.Spec{Name: "guest", Power: vm.PowerOn}, vm.Options{})
	err := e.m.WaitForGuest(e.ctx, st.UUID, 300*time.Millisecond)
	if err == nil || !strings.Contains(err.Error(), "heartbeat") || !strings.Contains(err.Error(), "guestToolsNotRunning") {
		t.Fatalf("WaitForGuest without a guest = %v, want a timeout naming the heartbeat and what was seen", err)
	}
	e.guest(st.UUID, "SET.guest.toolsRunningStatus", "guestToolsRunning")
	if err := e.m.WaitForGuest(e.ctx, st.UUID, 300*time.Millisecond); err == nil {
		t.Fatal("Tools running without a heartbeat counted as a booted guest")
	}
	e.guest(st.UUID, "SET.summary.quickStats.guestHeartbeatStatus", "green")
	if err := e.m.WaitForGuest(e.ctx, st.UUID, 10*time.Second); err != nil {
		t.Fatalf("WaitForGuest with Tools and a green heartbeat: %v", err)
	}
}
