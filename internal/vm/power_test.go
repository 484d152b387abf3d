package vm_test

import (
	"errors"
	"testing"
	"time"

	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
	"github.com/esxi-commander/terraform-provider-ceso/internal/vm"
)

func TestPowerStates(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simhost.Options{})
	st := e.create(base("pwr"), vm.Options{})
	steps := []struct {
		want   string
		opts   vm.Options
		forced bool
		err    error
	}{
		{want: vm.PowerOn},
		{want: vm.PowerSuspended},
		{want: vm.PowerOff, err: vm.ErrForcedPowerOffNeeded}, // a suspended VM's memory would be lost
		{want: vm.PowerOn},
		{want: vm.PowerOff, err: vm.ErrForcedPowerOffNeeded}, // no VMware Tools
		{want: vm.PowerOff, opts: vm.Options{AllowForcedPowerOff: true}, forced: true},
		{want: vm.PowerSuspended}, // from off: on, then suspend
		{want: vm.PowerOn},
	}
	for i, s := range steps {
		res, err := e.m.SetPower(e.ctx, st.UUID, s.want, s.opts)
		if s.err != nil {
			if !errors.Is(err, s.err) {
				t.Fatalf("step %d: power %s = %v, want %v", i, s.want, err, s.err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("step %d: power %s: %v", i, s.want, err)
		}
		if res.State.Power != s.want || res.ForcedPowerOff != s.forced {
			t.Fatalf("step %d: power = %s forced %v, want %s forced %v", i, res.State.Power, res.ForcedPowerOff, s.want, s.forced)
		}
	}

	// With VMware Tools running, the guest is shut down, not powered off.
	e.guest(st.UUID, "SET.guest.toolsRunningStatus", "guestToolsRunning")
	e.host.ResetMethods()
	res, err := e.m.SetPower(e.ctx, st.UUID, vm.PowerOff, vm.Options{})
	if err != nil || res.ForcedPowerOff || res.State.Power != vm.PowerOff {
		t.Fatalf("graceful power off = %+v, %v", res, err)
	}
	if e.host.CountMethod("ShutdownGuest") != 1 || e.host.CountMethod("PowerOffVM_Task") != 0 {
		t.Errorf("methods = %v", e.host.Methods())
	}
}

func TestWaitForIP(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simhost.Options{})
	spec := base("ipwait")
	spec.Power = vm.PowerOn
	st := e.create(spec, vm.Options{})

	// Nobody answers: a timeout that says what to check, and the VM stays.
	got, err := e.m.WaitForIP(e.ctx, st.UUID, 100*time.Millisecond)
	var wt *vm.WaitTimeoutError
	if !errors.As(err, &wt) || got == nil || got.UUID != st.UUID {
		t.Fatalf("wait = %v, %v; want a timeout with the state", got, err)
	}

	// The guest gets an address a little later.
	done := make(chan error, 1)
	go func() {
		time.Sleep(150 * time.Millisecond)
		done <- e.guestErr(st.UUID, "SET.guest.ipAddress", "192.168.10.20")
	}()
	defer func() {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	got, err = e.m.WaitForIP(e.ctx, st.UUID, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if got.DefaultIP != "192.168.10.20" || len(got.IPAddresses) == 0 {
		t.Errorf("ip = %q %v", got.DefaultIP, got.IPAddresses)
	}
}

func TestCreateWaitsForIP(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simhost.Options{})
	spec := base("ipcreate")
	spec.Power, spec.WaitForIP = vm.PowerOn, 100*time.Millisecond
	res, err := e.m.Create(e.ctx, spec, vm.Options{})
	var wt *vm.WaitTimeoutError
	if !errors.As(err, &wt) || res == nil || res.State == nil || res.State.Power != vm.PowerOn {
		t.Fatalf("create = %+v, %v; want the VM's state with a timeout", res, err)
	}
	// The caller keeps the VM (Terraform marks it tainted); a second
	// create of the same spec, as from a state that lost it, never takes
	// it over.
	e.guest(res.State.UUID, "SET.guest.ipAddress", "10.1.2.3")
	spec.WaitForIP = 5 * time.Second
	var foreign *vm.NotInStateError
	if _, err := e.m.Create(e.ctx, spec, vm.Options{}); !errors.As(err, &foreign) || foreign.UUID != res.State.UUID {
		t.Fatalf("second create = %v, want a *NotInStateError", err)
	}
	got, err := e.m.WaitForIP(e.ctx, res.State.UUID, spec.WaitForIP)
	if err != nil || got.DefaultIP != "10.1.2.3" {
		t.Fatalf("wait for the IP = %+v, %v", got, err)
	}
}
