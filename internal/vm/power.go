package vm

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/esxi"
)

// DefaultShutdownTimeout bounds a graceful guest shutdown when
// Options.ShutdownTimeout is not set.
const DefaultShutdownTimeout = 2 * time.Minute

// SetPower brings the VM to power (on, off or suspended). Powering off
// asks the guest to shut down through VMware Tools first; see
// Options.AllowForcedPowerOff for when that is not possible.
func (m *Manager) SetPower(ctx context.Context, uuid, power string, opts Options) (*Result, error) {
	if err := (&Spec{Name: "x", Power: power}).validPower(); err != nil {
		return nil, err
	}
	if err := m.client.CheckWritable(); err != nil {
		return nil, err
	}
	snap, err := m.fresh(ctx)
	if err != nil {
		return nil, err
	}
	v, err := findByUUID(snap, uuid)
	if err != nil {
		return nil, err
	}
	res := &Result{}
	err = m.applyPower(ctx, v, power, opts, res)
	st, rerr := m.Read(ctx, uuid, ReadOptions{})
	res.State = st
	if err == nil {
		err = rerr
	}
	return res, err
}

func (s *Spec) validPower() error {
	switch s.Power {
	case "", PowerOn, PowerOff, PowerSuspended:
		return nil
	}
	return fieldErr("power_state", "Invalid power state", "power_state is %q; use on, off or suspended.", s.Power)
}

// applyPower moves v from its power state to want.
func (m *Manager) applyPower(ctx context.Context, v *esxi.VM, want string, opts Options, res *Result) error {
	if want == "" {
		want = PowerOn
	}
	cur := powerWord(v.PowerState)
	if cur == want {
		return nil
	}
	switch want {
	case PowerOn:
		return m.powerTask(ctx, v, "power on", func(vm *object.VirtualMachine) (*object.Task, error) { return vm.PowerOn(ctx) })
	case PowerOff:
		return m.shutdown(ctx, v, opts, res)
	case PowerSuspended:
		if cur == PowerOff {
			if err := m.powerTask(ctx, v, "power on", func(vm *object.VirtualMachine) (*object.Task, error) { return vm.PowerOn(ctx) }); err != nil {
				return err
			}
		}
		return m.powerTask(ctx, v, "suspend", func(vm *object.VirtualMachine) (*object.Task, error) { return vm.Suspend(ctx) })
	}
	return fmt.Errorf("unknown power state %q", want)
}

func (m *Manager) powerTask(ctx context.Context, v *esxi.VM, what string, fn func(*object.VirtualMachine) (*object.Task, error)) error {
	return m.write(ctx, func(ctx context.Context, s *esxi.Session) error {
		task, err := fn(object.NewVirtualMachine(s.Client, v.Ref))
		_, err = esxi.WaitTask(ctx, what+" VM "+v.Name, task, err)
		return err
	})
}

// shutdown powers v off: gracefully through VMware Tools when they run,
// waiting up to the shutdown timeout, and hard only when allowed.
func (m *Manager) shutdown(ctx context.Context, v *esxi.VM, opts Options, res *Result) error {
	var reason string
	switch powerWord(v.PowerState) {
	case PowerOff:
		return nil
	case PowerSuspended:
		reason = "it is suspended, and powering off a suspended VM discards the memory state it saved"
	default:
		if v.ToolsRunning != string(types.VirtualMachineToolsRunningStatusGuestToolsRunning) {
			reason = "VMware Tools are not running in the guest, so it cannot be asked to shut down"
			break
		}
		timeout := opts.ShutdownTimeout
		if timeout <= 0 {
			timeout = DefaultShutdownTimeout
		}
		err := m.write(ctx, func(ctx context.Context, s *esxi.Session) error {
			return esxi.Wrap("shut down the guest of VM "+v.Name, object.NewVirtualMachine(s.Client, v.Ref).ShutdownGuest(ctx))
		})
		if err != nil {
			reason = "the guest shutdown request failed (" + err.Error() + ")"
			break
		}
		_, err = m.waitFor(ctx, v.UUID, timeout, func(x *esxi.VM) bool {
			return x.PowerState == string(types.VirtualMachinePowerStatePoweredOff)
		})
		if err == nil {
			return nil
		}
		var wt *WaitTimeoutError
		if !errors.As(err, &wt) {
			return err
		}
		reason = fmt.Sprintf("the guest did not shut down within %s", timeout)
	}
	if !opts.AllowForcedPowerOff {
		return &ForcedPowerOffError{VM: v.Name, Reason: reason}
	}
	err := m.powerTask(ctx, v, "power off", func(vm *object.VirtualMachine) (*object.Task, error) { return vm.PowerOff(ctx) })
	if err != nil && esxi.KindOf(err) == esxi.KindInvalidState {
		// It went off by itself meanwhile.
		snap, serr := m.fresh(ctx)
		if serr == nil {
			if x, ferr := findByUUID(snap, v.UUID); ferr == nil && x.PowerState == string(types.VirtualMachinePowerStatePoweredOff) {
				return nil
			}
		}
	}
	if err == nil {
		res.ForcedPowerOff = true
	}
	return err
}

// WaitForIP waits until the guest reports a usable IP address (not
// loopback, not link-local), watching only that VM (see waitFor).
func (m *Manager) WaitForIP(ctx context.Context, uuid string, timeout time.Duration) (*VMState, error) {
	_, err := m.waitFor(ctx, uuid, timeout, hasUsableIP)
	if err != nil {
		var wt *WaitTimeoutError
		if errors.As(err, &wt) {
			wt.What = "an IP address"
		}
		st, _ := m.Read(ctx, uuid, ReadOptions{})
		return st, err
	}
	return m.Read(ctx, uuid, ReadOptions{})
}

func hasUsableIP(v *esxi.VM) bool {
	if usableIP(v.PrimaryIP) {
		return true
	}
	for _, ip := range v.IPAddresses {
		if usableIP(ip) {
			return true
		}
	}
	return false
}

// waitFor waits until cond holds for the VM: the shared inventory read
// finds it once, then the client's watcher follows only this VM's power and
// guest properties (no inventory read, no audit record per poll).
func (m *Manager) waitFor(ctx context.Context, uuid string, timeout time.Duration, cond func(*esxi.VM) bool) (*esxi.VM, error) {
	snap, err := m.snapshot(ctx)
	if err != nil {
		return nil, err
	}
	v, err := findByUUID(snap, uuid)
	if err != nil {
		return nil, err
	}
	wctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	got, err := m.client.Watcher.Wait(wctx, v.Ref, cond)
	switch {
	case err == nil:
		// What changed is not in the shared read: the next read sees it.
		m.client.Inventory.Invalidate()
		return got, nil
	case ctx.Err() != nil:
		return nil, esxi.Wrap("wait for VM "+v.Name, ctx.Err())
	case wctx.Err() != nil:
		return v, &WaitTimeoutError{VM: v.Name, What: "the expected state", Timeout: timeout}
	case esxi.IsNotFound(err) || esxi.KindOf(err) == esxi.KindNotFound:
		return nil, &NotFoundError{By: "uuid", Value: uuid}
	}
	return nil, err
}
