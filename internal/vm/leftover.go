package vm

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/vmware/govmomi/fault"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/esxi"
)

// LeftoverAction is what Create does with a VM of the name and folder it
// targets: a VM the caller's state does not hold (Create is only called
// for a VM the state does not have).
type LeftoverAction string

const (
	// LeftoverRemove: an incomplete VM of a create that died (its lease ran
	// out and no host task works on it). Create destroys it and makes the VM
	// again (Result.Replaced): a destructive act on an object this state
	// did not create, which a policy may want to approve.
	LeftoverRemove LeftoverAction = "remove"
	// LeftoverBusy: an incomplete VM that another create holds (its lease
	// runs) or that a host task still works on. Create refuses.
	LeftoverBusy LeftoverAction = "busy"
	// LeftoverReady: a complete VM made by ceso, but not by this state.
	// Create refuses and points to import: taking over a VM silently could
	// hand one workspace another's VM.
	LeftoverReady LeftoverAction = "ready"
	// LeftoverForeign: a VM ceso did not make. Create refuses
	// (*NameTakenError).
	LeftoverForeign LeftoverAction = "foreign"
)

// Leftover is one VM in the way of a create, and what Create does with it.
type Leftover struct {
	Action LeftoverAction
	VM     esxi.VM
	// Until is the end of the lease of the create that holds the VM (host
	// clock); zero when the VM has no lease.
	Until time.Time
	// Tasks names the host tasks that may still work on the VM (Busy).
	Tasks string
}

// InProgressError says another create holds the VM of that name: its lease
// runs, or the host still works on the VM's files.
type InProgressError struct {
	Name, Path, UUID, CreateID string
	Until                      time.Time // the lease's end, when it still runs
	Tasks                      string    // the host tasks still running, when the lease ran out
}

func (e *InProgressError) Error() string {
	if e.Tasks != "" {
		return fmt.Sprintf("VM %q at %s is an incomplete VM of an earlier create (attempt %s) whose lease ran out, but the host still runs %s, "+
			"which may be writing its files; ceso does not remove a VM a task still works on. Retry when the task has ended (or cancel it on the host)",
			e.Name, e.Path, e.CreateID, e.Tasks)
	}
	return fmt.Sprintf("VM %q at %s is being created by another apply or an earlier, interrupted one (attempt %s), which holds it until %s (host clock). "+
		"Wait for that apply to finish; if it was killed, retry after the lease ends and ceso removes the incomplete VM",
		e.Name, e.Path, e.CreateID, e.Until.Format(time.RFC3339))
}

// NotInStateError says a complete VM of ceso's has the name, but the
// caller's state does not hold it.
type NotInStateError struct {
	Name, Path, UUID string
}

func (e *NotInStateError) Error() string {
	return fmt.Sprintf("VM %q at %s (UUID %s) was made by ceso, but it is not in this configuration's state: another workspace made it, "+
		"or an earlier apply made it and its result was lost. ceso does not take over a VM silently. To manage it here, import it: "+
		"terraform import <resource address> %s (or an import block with id = %q); otherwise choose another name",
		e.Name, e.Path, e.UUID, e.UUID, e.UUID)
}

// refusal turns a leftover into Create's error (nil for LeftoverRemove).
func (l *Leftover) refusal(restore bool) error {
	v := &l.VM
	switch l.Action {
	case LeftoverForeign:
		return &NameTakenError{Name: v.Name, Path: v.Path, UUID: v.UUID}
	case LeftoverReady:
		e := &NotInStateError{Name: v.Name, Path: v.Path, UUID: v.UUID}
		d := e.Error()
		if restore {
			d += ". A restore makes a new VM and never restores over an existing one; to restore over this VM, in place, use ceso_restore"
		}
		return &FieldError{Field: "name", Index: -1, Summary: "VM Exists And Is Not In This State", Detail: d, Err: e}
	case LeftoverBusy:
		e := &InProgressError{Name: v.Name, Path: v.Path, UUID: v.UUID, CreateID: v.ExtraConfig[KeyCreateID], Tasks: l.Tasks}
		if l.Tasks == "" {
			e.Until = l.Until
		}
		return &FieldError{Field: "name", Index: -1, Summary: "VM Being Created Elsewhere", Detail: e.Error(), Err: e}
	}
	return nil
}

// sameTarget lists the VMs of the spec's name in folder, classified from
// the inventory alone: foreign, ready, or incomplete (Action "" until
// settle decides between Remove and Busy).
func sameTarget(snap *esxi.Snapshot, name, folder string) []Leftover {
	var out []Leftover
	for i := range snap.VMs {
		v := snap.VMs[i]
		if v.Name != name || v.Folder != folder {
			continue
		}
		l := Leftover{VM: v, Until: parseLease(v.ExtraConfig[KeyLease])}
		switch {
		case !isManaged(&v):
			l.Action = LeftoverForeign
		case v.ExtraConfig[KeyState] == StateReady:
			l.Action = LeftoverReady
		}
		out = append(out, l)
	}
	return out
}

// settle decides, for each incomplete VM, between Remove and Busy: its
// lease against the host's clock, then the host's running tasks.
func (m *Manager) settle(ctx context.Context, ls []Leftover) error {
	for i := range ls {
		l := &ls[i]
		if l.Action != "" {
			continue
		}
		now, err := m.hostNow(ctx)
		if err != nil {
			return err
		}
		if now.Before(l.Until) {
			l.Action = LeftoverBusy
			continue
		}
		err = m.client.Pool.WithSession(ctx, func(ctx context.Context, s *esxi.Session) error {
			tasks, err := esxi.RunningTasks(ctx, s, l.VM.Ref)
			if len(tasks) > 0 {
				l.Tasks = esxi.TaskNames(tasks)
			}
			return err
		})
		if err != nil {
			// Whether a task still works on it is unknown: keep away.
			return fmt.Errorf("the incomplete VM %q of an earlier create is in the way, and whether a host task still works on it could not be checked: %w", l.VM.Name, err)
		}
		l.Action = LeftoverRemove
		if l.Tasks != "" {
			l.Action = LeftoverBusy
		}
	}
	return nil
}

// takeOver claims an incomplete VM whose lease ran out before removing it:
// it writes this attempt's id and lease on the VM with a reconfigure bound to
// the configuration version it read (changeVersion), which the host refuses
// (ConcurrentAccess) when anything changed the VM since, another process's
// claim included. Of two processes that found the same dead create, only
// one goes on; the other is told the VM is being created elsewhere.
func (m *Manager) takeOver(ctx context.Context, l *Leftover, id, lease string) error {
	v := &l.VM
	busy := func() error {
		l.Action = LeftoverBusy
		return l.refusal(false)
	}
	return m.write(ctx, func(ctx context.Context, s *esxi.Session) error {
		var o mo.VirtualMachine
		if err := object.NewVirtualMachine(s.Client, v.Ref).Properties(ctx, v.Ref, []string{"config.changeVersion", "config.extraConfig"}, &o); err != nil {
			return esxi.Wrap("read the incomplete VM "+v.Name, err)
		}
		if o.Config == nil {
			return busy()
		}
		for _, ov := range o.Config.ExtraConfig {
			if x := ov.GetOptionValue(); x.Key == KeyCreateID && x.Value != v.ExtraConfig[KeyCreateID] {
				return busy() // claimed since the read that found it
			}
		}
		task, err := object.NewVirtualMachine(s.Client, v.Ref).Reconfigure(ctx, types.VirtualMachineConfigSpec{
			ChangeVersion: o.Config.ChangeVersion,
			ExtraConfig:   []types.BaseOptionValue{opt(KeyCreateID, id), opt(KeyLease, lease)},
		})
		_, err = esxi.WaitTask(ctx, "claim the incomplete VM "+v.Name, task, err)
		if err != nil && fault.Is(err, &types.ConcurrentAccess{}) {
			return busy()
		}
		return err
	})
}

// refuseLeftovers returns the refusal of the first leftover Create must
// not touch, the foreign ones first.
func refuseLeftovers(ls []Leftover, restore bool) error {
	var errs []error
	for _, a := range []LeftoverAction{LeftoverForeign, LeftoverReady, LeftoverBusy} {
		for i := range ls {
			if ls[i].Action == a {
				errs = append(errs, ls[i].refusal(restore))
			}
		}
		if len(errs) > 0 {
			return errors.Join(errs...)
		}
	}
	return nil
}

// Leftovers returns the VMs in the way of Create(spec) and what Create
// would do with each, so a caller (a policy) can decide before the create
// whether it may go ahead: LeftoverRemove is a destructive act. It reads
// the shared inventory, and the host's clock and running tasks when an
// incomplete VM is in the way.
func (m *Manager) Leftovers(ctx context.Context, spec Spec) ([]Leftover, error) {
	m.withDefaults(&spec)
	if err := Validate(&spec); err != nil {
		return nil, err
	}
	t, err := m.target(ctx, &spec)
	if err != nil {
		return nil, err
	}
	snap, err := m.fresh(ctx)
	if err != nil {
		return nil, err
	}
	ls := sameTarget(snap, spec.Name, t.pl.folderPath)
	return ls, m.settle(ctx, ls)
}
