package simhost

import (
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/types"
)

// Strict rule: a running VM's disk is locked unless a snapshot covers it.
//
// On a real host a powered-on VM holds its current disk files open, so
// CopyVirtualDisk_Task of one fails with FileLocked. A snapshot makes the
// base disks read-only and copyable, but not an independent disk, which a
// snapshot does not cover: it stays locked while the VM runs. The simulator
// copies any file at any time, so a backup that copied an independent disk
// of a running VM (or one that forgot its snapshot) would pass there. The
// rule refuses such a copy as a real host does.
func (h *Host) diskLockRule(ctx *simulator.Context, m *simulator.Method) types.BaseMethodFault {
	req, ok := m.Body.(*types.CopyVirtualDisk_Task)
	if !ok {
		return nil
	}
	for _, e := range ctx.Map.All("VirtualMachine") {
		vm, ok := e.(*simulator.VirtualMachine)
		if !ok {
			continue
		}
		var locked bool
		ctx.WithLock(vm, func() {
			if vm.Config == nil || vm.Runtime.PowerState != types.VirtualMachinePowerStatePoweredOn {
				return
			}
			snapshot := vm.Snapshot != nil && vm.Snapshot.CurrentSnapshot != nil
			for _, d := range vm.Config.Hardware.Device {
				disk, ok := d.(*types.VirtualDisk)
				if !ok {
					continue
				}
				b, ok := disk.Backing.(*types.VirtualDiskFlatVer2BackingInfo)
				if !ok || b.FileName != req.SourceName {
					continue
				}
				indep := b.DiskMode == string(types.VirtualDiskModeIndependent_persistent) || b.DiskMode == string(types.VirtualDiskModeIndependent_nonpersistent)
				locked = !snapshot || indep
			}
		})
		if locked {
			return &types.FileLocked{FileFault: types.FileFault{File: req.SourceName}}
		}
	}
	return nil
}
