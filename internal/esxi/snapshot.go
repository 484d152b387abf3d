package esxi

import (
	"context"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

// Disk provisioning, as ceso's schemas word it.
const (
	ProvisionThin        = "thin"
	ProvisionThick       = "thick"        // lazily zeroed
	ProvisionEagerZeroed = "eager_zeroed" // thick, zeroed at creation
)

// DiskType is the VirtualDiskManager disk type of a provisioning ("" and
// unknown words are thin).
func DiskType(prov string) string {
	switch prov {
	case ProvisionThick:
		return string(types.VirtualDiskTypePreallocated)
	case ProvisionEagerZeroed:
		return string(types.VirtualDiskTypeEagerZeroedThick)
	}
	return string(types.VirtualDiskTypeThin)
}

// ChainSize is the space the disk with key takes: every file of its
// snapshot chain, from a VM's layoutEx.
func ChainSize(l *types.VirtualMachineFileLayoutEx, key int32) int64 {
	if l == nil {
		return 0
	}
	size := make(map[int32]int64, len(l.File))
	for _, f := range l.File {
		size[f.Key] = f.Size
	}
	var n int64
	for _, d := range l.Disk {
		if d.Key != key {
			continue
		}
		for _, u := range d.Chain {
			for _, k := range u.FileKey {
				n += size[k]
			}
		}
	}
	return n
}

// RemoveSnapshot removes one snapshot of vm (not its children) and
// consolidates. A snapshot already gone is no error. The removal can leave
// the disks unconsolidated (a locked file, a full datastore): the host then
// sets runtime.consolidationNeeded, which a real host shows as a warning
// and the snapshot removal does not report. RemoveSnapshot reads it and
// consolidates, so no delta disk is left growing behind ceso's back.
func RemoveSnapshot(ctx context.Context, s *Session, vm, ref types.ManagedObjectReference, what string) error {
	req := types.RemoveSnapshot_Task{This: ref, RemoveChildren: false, Consolidate: types.NewBool(true)}
	res, err := methods.RemoveSnapshot_Task(ctx, s.Client, &req)
	var task *object.Task
	if err == nil {
		task = object.NewTask(s.Client, res.Returnval)
	}
	_, err = WaitTask(ctx, "remove "+what, task, err)
	if err != nil && KindOf(err) != KindNotFound {
		return err
	}
	return Consolidate(ctx, s, vm, what)
}

// Consolidate consolidates vm's disks when the host says they need it.
func Consolidate(ctx context.Context, s *Session, vm types.ManagedObjectReference, what string) error {
	var o mo.VirtualMachine
	v := object.NewVirtualMachine(s.Client, vm)
	if err := v.Properties(ctx, vm, []string{"runtime.consolidationNeeded"}, &o); err != nil {
		if KindOf(Wrap("", err)) == KindNotFound {
			return nil
		}
		return Wrap("check the disks of "+what+" need consolidation", err)
	}
	if !o.Runtime.ConsolidationNeeded {
		return nil
	}
	res, err := methods.ConsolidateVMDisks_Task(ctx, s.Client, &types.ConsolidateVMDisks_Task{This: vm})
	var task *object.Task
	if err == nil {
		task = object.NewTask(s.Client, res.Returnval)
	}
	_, err = WaitOrCancel(ctx, "consolidate the disks after removing "+what, task, err)
	return err
}
