package snapshot

import (
	"context"
	"fmt"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/property"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/esxi"
)

// write runs fn with a pooled session and drops the shared read afterwards,
// success or failure, so the next read sees the change.
func (m *Manager) write(ctx context.Context, fn func(ctx context.Context, s *esxi.Session) error) error {
	defer m.client.Inventory.Invalidate()
	return m.client.Pool.WithSession(ctx, fn)
}

// Create takes the snapshot. When the task fails after the host made the
// snapshot anyway (a timeout, a cut connection), the snapshot is found by
// the one new reference with the asked name and adopted, never left behind
// nor duplicated by a retry.
func (m *Manager) Create(ctx context.Context, spec Spec) (*Result, error) {
	v, err := m.vm(ctx, spec.VM, true)
	if err != nil {
		return nil, &FieldError{Field: "vm", Summary: "Cannot Find VM", Err: err,
			Detail: fmt.Sprintf("%v. Set vm to the instance UUID of an existing VM, e.g. ceso_vm.web.id.", err)}
	}
	if v.Template {
		return nil, &FieldError{Field: "vm", Summary: "VM Is A Template",
			Detail: fmt.Sprintf("%s is a template; a template cannot have snapshots. Snapshot a VM made from it instead.", v.Name)}
	}
	res := &Result{}
	quiesce := spec.Quiesce && toolsRunning(v)
	if spec.Quiesce && !quiesce {
		res.Warnings = append(res.Warnings, fmt.Sprintf("VMware Tools do not run in VM %s, so its file systems were not quiesced: the snapshot is crash consistent, like a power cut.", v.Name))
	}
	if spec.Memory && v.PowerState != string(types.VirtualMachinePowerStatePoweredOn) {
		res.Warnings = append(res.Warnings, fmt.Sprintf("VM %s is %s, so the snapshot holds no memory: a revert returns the VM powered off.", v.Name, v.PowerState))
	}
	before := map[string]bool{}
	for _, n := range Flatten(v.Snapshots) {
		before[n.Ref] = true
	}
	var ref string
	err = m.write(ctx, func(ctx context.Context, s *esxi.Session) error {
		task, err := object.NewVirtualMachine(s.Client, v.Ref).CreateSnapshot(ctx, spec.Name, spec.Description, spec.Memory, quiesce)
		info, err := esxi.WaitTask(ctx, "snapshot VM "+v.Name, task, err)
		if info != nil {
			if r, ok := info.Result.(types.ManagedObjectReference); ok {
				ref = r.Value
			}
		}
		return err
	})
	after, rerr := m.vm(context.WithoutCancel(ctx), spec.VM, true)
	if rerr != nil {
		if err != nil {
			return nil, err
		}
		return nil, rerr
	}
	var made []Node
	for _, n := range Flatten(after.Snapshots) {
		if (ref != "" && n.Ref == ref) || (ref == "" && !before[n.Ref] && n.Name == spec.Name) {
			made = append(made, n)
		}
	}
	if len(made) != 1 {
		if err == nil {
			err = fmt.Errorf("the host reported snapshot %q of VM %s as made, but it is not in the VM's snapshot tree", spec.Name, v.Name)
		}
		return nil, err
	}
	if err != nil {
		res.Warnings = append(res.Warnings, fmt.Sprintf("Taking the snapshot reported an error (%v), but the host made it; ceso adopted it.", err))
	}
	res.State = &State{VMUUID: after.UUID, VMName: after.Name, Node: made[0]}
	return res, nil
}

// Rename changes the snapshot's name and description. The API leaves an
// empty value unchanged, which is why the glue refuses to clear the
// description.
func (m *Manager) Rename(ctx context.Context, vmUUID string, id int32, name, description string) error {
	v, n, err := m.node(ctx, vmUUID, id, true)
	if err != nil {
		return err
	}
	return m.write(ctx, func(ctx context.Context, s *esxi.Session) error {
		req := types.RenameSnapshot{This: snapshotRef(n), Name: name, Description: description}
		if _, err := methods.RenameSnapshot(ctx, s.Client, &req); err != nil {
			return esxi.Wrap(fmt.Sprintf("rename snapshot %q of VM %s", n.Name, v.Name), err)
		}
		return nil
	})
}

// Revert returns the VM to the snapshot: its disks, configuration and,
// for a snapshot with memory, its running state. Everything since is lost.
func (m *Manager) Revert(ctx context.Context, vmUUID string, id int32) error {
	v, n, err := m.node(ctx, vmUUID, id, true)
	if err != nil {
		return err
	}
	return m.write(ctx, func(ctx context.Context, s *esxi.Session) error {
		req := types.RevertToSnapshot_Task{This: snapshotRef(n)}
		res, err := methods.RevertToSnapshot_Task(ctx, s.Client, &req)
		var task *object.Task
		if err == nil {
			task = object.NewTask(s.Client, res.Returnval)
		}
		_, err = esxi.WaitTask(ctx, fmt.Sprintf("revert VM %s to snapshot %q", v.Name, n.Name), task, err)
		return err
	})
}

// Delete removes the snapshot, folding its delta disks into its children
// or the VM's running state, and consolidates when the host left work
// behind (esxi.RemoveSnapshot, shared with backup). It then checks once
// more, since a consolidation can fail quietly on a real host (a locked
// file): a VM left on a longer delta chain is an error the user must see.
// Children of the snapshot are kept. A snapshot that is already gone is not
// an error.
func (m *Manager) Delete(ctx context.Context, vmUUID string, id int32) error {
	v, n, err := m.node(ctx, vmUUID, id, true)
	if IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	return m.write(ctx, func(ctx context.Context, s *esxi.Session) error {
		what := fmt.Sprintf("snapshot %q of VM %s", n.Name, v.Name)
		if err := esxi.RemoveSnapshot(ctx, s, v.Ref, snapshotRef(n), what); err != nil {
			return err
		}
		needed, err := consolidationNeeded(ctx, s, v.Ref)
		if err != nil {
			return err
		}
		if needed {
			return &ConsolidationError{VM: v.Name}
		}
		return nil
	})
}

func consolidationNeeded(ctx context.Context, s *esxi.Session, ref types.ManagedObjectReference) (bool, error) {
	var o mo.VirtualMachine
	if err := property.DefaultCollector(s.Client).RetrieveOne(ctx, ref, []string{"runtime.consolidationNeeded"}, &o); err != nil {
		return false, esxi.Wrap("read whether the VM's disks need consolidation", err)
	}
	return o.Runtime.ConsolidationNeeded, nil
}

func snapshotRef(n Node) types.ManagedObjectReference {
	return types.ManagedObjectReference{Type: "VirtualMachineSnapshot", Value: n.Ref}
}
