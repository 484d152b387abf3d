package simhost_test

import (
	"context"
	"strings"
	"testing"

	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
)

// A destroyed VM's folder is gone as soon as Destroy_Task is accepted, as
// on a real host where the task ends after the files are deleted. Without
// the rule the simulator deletes the folder in a task it does not wait for,
// so the folder is still there when the call returns.
func TestDestroyDeletesTheFolderFirst(t *testing.T) {
	t.Parallel()
	h, c := started(t, simhost.Options{})
	ctx := context.Background()
	vm, err := find.NewFinder(c.Client).VirtualMachine(ctx, simhost.TemplateName)
	if err != nil {
		t.Fatal(err)
	}
	inFolder := func() int {
		files, err := h.Files()
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, f := range files {
			if strings.Contains(f, "/"+simhost.TemplateName+"/") {
				n++
			}
		}
		return n
	}
	if inFolder() == 0 {
		t.Fatalf("the VM %s has no files to begin with", simhost.TemplateName)
	}
	task, err := vm.Destroy(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n := inFolder(); n != 0 {
		t.Errorf("%d files of the VM remain once Destroy_Task was accepted", n)
	}
	if err := task.Wait(ctx); err != nil {
		t.Fatal(err)
	}
}

// Destroying a VM deletes a disk it has outside its folder too, as a real
// host does: only a disk detached first survives. The simulator needs no
// rule for it (its Destroy_Task removes every device with the file
// operation destroy); this test keeps it that way, since ceso's detaching
// of attached disks before a destroy is only tested if the simulator would
// delete them otherwise.
func TestDestroyDeletesAttachedDisks(t *testing.T) {
	t.Parallel()
	h, c := started(t, simhost.Options{})
	ctx := context.Background()
	vm, err := find.NewFinder(c.Client).VirtualMachine(ctx, simhost.TemplateName)
	if err != nil {
		t.Fatal(err)
	}
	ds, err := find.NewFinder(c.Client).DefaultDatastore(ctx)
	if err != nil {
		t.Fatal(err)
	}
	fm := object.NewFileManager(c.Client)
	if err := fm.MakeDirectory(ctx, "["+ds.Name()+"] shared", nil, true); err != nil {
		t.Fatal(err)
	}
	file := "[" + ds.Name() + "] shared/data.vmdk"
	vdm := object.NewVirtualDiskManager(c.Client)
	task, err := vdm.CreateVirtualDisk(ctx, file, nil, &types.FileBackedVirtualDiskSpec{
		VirtualDiskSpec: types.VirtualDiskSpec{DiskType: string(types.VirtualDiskTypeThin), AdapterType: string(types.VirtualDiskAdapterTypeLsiLogic)}, CapacityKb: 1024})
	if err == nil {
		err = task.Wait(ctx)
	}
	if err != nil {
		t.Fatal(err)
	}
	devices, err := vm.Device(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ctrl, err := devices.FindDiskController("")
	if err != nil {
		t.Fatal(err)
	}
	disk := devices.CreateDisk(ctrl, ds.Reference(), file)
	if err := vm.AddDevice(ctx, disk); err != nil {
		t.Fatal(err)
	}
	shared := func() int {
		files, err := h.Files()
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, f := range files {
			if strings.Contains(f, "/shared/data") {
				n++
			}
		}
		return n
	}
	if shared() == 0 {
		t.Fatal("the shared disk was not made")
	}
	if task, err = vm.Destroy(ctx); err == nil {
		err = task.Wait(ctx)
	}
	if err != nil {
		t.Fatal(err)
	}
	if n := shared(); n != 0 {
		t.Errorf("%d files of the disk outside the VM's folder remain after Destroy_Task", n)
	}
}
