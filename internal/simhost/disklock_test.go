package simhost_test

import (
	"context"
	"testing"

	"github.com/vmware/govmomi/fault"
	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
)

// A running VM's disk can be copied only while a snapshot covers it, and an
// independent disk never: a snapshot leaves it out, as on a real host.
func TestRunningDiskIsLocked(t *testing.T) {
	t.Parallel()
	_, c := started(t, simhost.Options{})
	ctx := context.Background()
	f := find.NewFinder(c.Client)
	vm, err := f.VirtualMachine(ctx, simhost.TemplateName)
	if err != nil {
		t.Fatal(err)
	}
	dc, err := f.DefaultDatacenter(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var o mo.VirtualMachine
	if err := vm.Properties(ctx, vm.Reference(), []string{"config.hardware.device"}, &o); err != nil {
		t.Fatal(err)
	}
	var disk *types.VirtualDisk
	for _, d := range o.Config.Hardware.Device {
		if x, ok := d.(*types.VirtualDisk); ok {
			disk = x
		}
	}
	if disk == nil {
		t.Fatal("the template has no disk")
	}
	b, ok := disk.Backing.(*types.VirtualDiskFlatVer2BackingInfo)
	if !ok {
		t.Fatalf("backing %T", disk.Backing)
	}
	vdm := object.NewVirtualDiskManager(c.Client)
	n := 0
	copyDisk := func() error {
		n++
		task, err := vdm.CopyVirtualDisk(ctx, b.FileName, dc, "[LocalDS_0] copy"+string(rune('0'+n))+".vmdk", dc, nil, false)
		if err != nil {
			return err
		}
		return task.Wait(ctx)
	}
	wait := func(task *object.Task, err error) {
		t.Helper()
		if err == nil {
			err = task.Wait(ctx)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := copyDisk(); err != nil {
		t.Fatalf("copy of a powered-off VM's disk: %v", err)
	}
	wait(vm.PowerOn(ctx))
	if err := copyDisk(); !fault.Is(err, &types.FileLocked{}) {
		t.Fatalf("copy of a running VM's disk without a snapshot: %v, want FileLocked", err)
	}
	wait(vm.CreateSnapshot(ctx, "s", "", false, false))
	if err := copyDisk(); err != nil {
		t.Fatalf("copy of a running VM's disk under a snapshot: %v", err)
	}
	b.DiskMode = string(types.VirtualDiskModeIndependent_persistent)
	wait(vm.Reconfigure(ctx, types.VirtualMachineConfigSpec{DeviceChange: []types.BaseVirtualDeviceConfigSpec{
		&types.VirtualDeviceConfigSpec{Operation: types.VirtualDeviceConfigSpecOperationEdit, Device: disk}}}))
	if err := copyDisk(); !fault.Is(err, &types.FileLocked{}) {
		t.Fatalf("copy of a running VM's independent disk under a snapshot: %v, want FileLocked", err)
	}
}
