package vm

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/vmware/govmomi/vim25/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/esxi"
)

// A VM made for a short while (a restore drill's) is created with
// Options.KeepLease and held with HoldLease until it is deleted: as long as
// its maker lives the lease runs; when the maker dies, the lease runs out
// and RemoveExpired removes the VM. Nothing such a VM's maker leaves
// behind survives the next run that sweeps.

// HoldLease renews the create lease on the VM with the instance UUID until
// the returned stop is called (stop waits for a renewal in flight). The
// renewals outlive ctx, like a create's: the caller deletes the VM under
// its lease, then stops.
func (m *Manager) HoldLease(ctx context.Context, uuid string) (stop func(), err error) {
	snap, err := m.snapshot(ctx)
	if err != nil {
		return nil, err
	}
	v, err := findByUUID(snap, uuid)
	if err != nil {
		return nil, err
	}
	hb := m.renewLease(ctx, v.Ref, v.Name)
	return hb.stop, nil
}

// GuestUp is a guest whose VMware Tools run and report a green heartbeat:
// it booted far enough to start a service.
func GuestUp(v *esxi.VM) bool {
	return v.ToolsRunning == string(types.VirtualMachineToolsRunningStatusGuestToolsRunning) &&
		v.Heartbeat == string(types.ManagedEntityStatusGreen)
}

// WaitForGuest waits until the guest of the VM runs VMware Tools with a
// green heartbeat, at most timeout; a *WaitTimeoutError says what was seen
// last.
func (m *Manager) WaitForGuest(ctx context.Context, uuid string, timeout time.Duration) error {
	last, err := m.waitFor(ctx, uuid, timeout, GuestUp)
	var wt *WaitTimeoutError
	if errors.As(err, &wt) {
		wt.What = "the VMware Tools heartbeat"
		if last != nil {
			wt.What = fmt.Sprintf("the VMware Tools heartbeat (last seen: tools %s, heartbeat %s)", orDefault(last.ToolsRunning, "unknown"), orDefault(last.Heartbeat, "unknown"))
		}
	}
	return err
}

// RemoveExpired destroys, with their files, the VMs ceso made (its marker)
// that match and whose create lease ran out with no host task working on
// them: what a maker that died left. A VM without a lease (a create that
// finished without KeepLease) is never removed, whatever match says. Each is claimed first (takeOver), so
// of two processes sweeping at once only one destroys it. It returns the
// names of the VMs removed.
func (m *Manager) RemoveExpired(ctx context.Context, match func(*esxi.VM) bool) ([]string, error) {
	if err := m.client.CheckWritable(); err != nil {
		return nil, err
	}
	snap, err := m.fresh(ctx)
	if err != nil {
		return nil, err
	}
	var ls []Leftover
	for i := range snap.VMs {
		v := snap.VMs[i]
		if isManaged(&v) && v.ExtraConfig[KeyLease] != "" && match(&v) {
			ls = append(ls, Leftover{VM: v, Until: parseLease(v.ExtraConfig[KeyLease])})
		}
	}
	if len(ls) == 0 {
		return nil, nil
	}
	if err := m.settle(ctx, ls); err != nil {
		return nil, err
	}
	var removed []string
	var errs []error
	for i := range ls {
		l := &ls[i]
		if l.Action != LeftoverRemove {
			continue
		}
		lease, err := m.leaseUntil(ctx)
		if err == nil {
			err = m.takeOver(ctx, l, newCreateID(), lease)
		}
		if l.Action == LeftoverBusy {
			continue // claimed by another sweep meanwhile
		}
		if err == nil {
			err = m.write(ctx, func(ctx context.Context, s *esxi.Session) error {
				return m.destroy(ctx, s, snap, &l.VM, nil, nil)
			})
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("remove the leftover VM %q: %w", l.VM.Name, err))
			continue
		}
		removed = append(removed, l.VM.Name)
	}
	return removed, errors.Join(errs...)
}
