package vm

import (
	"context"
	"time"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/esxi"
)

// A create in progress holds its VM with a lease written on the VM itself
// (extra config), next to the marker: the create attempt's id
// (KeyCreateID) and the time, on the host's clock, until which it holds the
// VM (KeyLease). The provider process renews it while the create runs. Any
// other process (a second workspace, a retry after Ctrl-C or a crash) sees
// the lease and keeps its hands off; an in-process lock proves nothing
// there. A lease that ran out belongs to a create that died, and its VM is
// removed only when no host task still works on it.

// KeyLease is the end of the create lease (RFC 3339, host clock).
const KeyLease = "ceso.lease-until"

// DefaultLeaseTTL is how long a create lease lasts without a renewal. The
// holder renews it every third of that, so two renewals can fail (a slow
// host, a full session pool) before the lease runs out under a live create.
const DefaultLeaseTTL = 3 * time.Minute

// minLeaseTTL keeps renewals from flooding the host.
const minLeaseTTL = 2 * time.Second

func (m *Manager) leaseTTL() time.Duration {
	if m.LeaseTTL < minLeaseTTL {
		if m.LeaseTTL <= 0 {
			return DefaultLeaseTTL
		}
		return minLeaseTTL
	}
	return m.LeaseTTL
}

// hostNow is the host's clock, read once per Manager and then kept as an
// offset from the local one: leases written by processes on machines whose
// clocks disagree are compared on one clock.
func (m *Manager) hostNow(ctx context.Context) (time.Time, error) {
	m.mu.Lock()
	known, skew := m.clockKnown, m.clockSkew
	m.mu.Unlock()
	if !known {
		var host time.Time
		err := m.client.Pool.WithSession(ctx, func(ctx context.Context, s *esxi.Session) error {
			var err error
			host, err = esxi.HostTime(ctx, s)
			return err
		})
		if err != nil {
			return time.Time{}, err
		}
		skew = time.Until(host)
		m.mu.Lock()
		m.clockKnown, m.clockSkew = true, skew
		m.mu.Unlock()
	}
	return time.Now().Add(skew).UTC(), nil
}

func formatLease(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// parseLease reads a lease end; a missing or unreadable one (a VM marked by
// a ceso version without leases) reads as expired.
func parseLease(v string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return time.Time{}
	}
	return t
}

// leaseUntil is the end of a lease taken or renewed now.
func (m *Manager) leaseUntil(ctx context.Context) (string, error) {
	now, err := m.hostNow(ctx)
	if err != nil {
		return "", err
	}
	return formatLease(now.Add(m.leaseTTL())), nil
}

// heartbeat renews a create's lease until stopped.
type heartbeat struct {
	cancel context.CancelFunc
	done   chan struct{}
}

// renewLease starts renewing the lease on the VM ref. The renewals outlive
// ctx: a create that gives up still cleans up under its lease, and stops
// the heartbeat when it is done.
func (m *Manager) renewLease(ctx context.Context, ref types.ManagedObjectReference, name string) *heartbeat {
	hctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	hb := &heartbeat{cancel: cancel, done: make(chan struct{})}
	every := m.leaseTTL() / 3
	go func() {
		defer close(hb.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-hctx.Done():
				return
			case <-t.C:
			}
			// A failed renewal is retried at the next tick; the lease covers
			// two missed ones.
			_ = m.renewOnce(hctx, ref, name, every)
		}
	}()
	return hb
}

func (m *Manager) renewOnce(ctx context.Context, ref types.ManagedObjectReference, name string, bound time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, bound)
	defer cancel()
	until, err := m.leaseUntil(ctx)
	if err != nil {
		return err
	}
	return m.client.Pool.WithSession(ctx, func(ctx context.Context, s *esxi.Session) error {
		task, err := object.NewVirtualMachine(s.Client, ref).Reconfigure(ctx, types.VirtualMachineConfigSpec{
			ExtraConfig: []types.BaseOptionValue{opt(KeyLease, until)}})
		_, err = esxi.WaitTask(ctx, "renew the create lease of VM "+name, task, err)
		return err
	})
}

// stop ends the renewals and waits for one in flight, so no renewal lands
// after the caller's next write.
func (h *heartbeat) stop() {
	if h == nil {
		return
	}
	h.cancel()
	<-h.done
}
