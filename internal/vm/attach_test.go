package vm_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
	"github.com/esxi-commander/terraform-provider-ceso/internal/vm"
)

// shareDisk makes "[LocalDS_0] shared/<name>.vmdk" through the API, and a
// text file "[LocalDS_0] shared/notes.vmdk" that is no disk.
func (e *env) shareDisk(name string) string {
	e.t.Helper()
	c, err := e.host.Client(e.ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	defer func() { _ = c.Logout(e.ctx) }()
	f := find.NewFinder(c.Client)
	dc, err := f.DefaultDatacenter(e.ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	f.SetDatacenter(dc)
	ds, err := f.Datastore(e.ctx, "LocalDS_0")
	if err != nil {
		e.t.Fatal(err)
	}
	if err := object.NewFileManager(c.Client).MakeDirectory(e.ctx, "[LocalDS_0] shared", dc, true); err != nil {
		e.t.Fatal(err)
	}
	p := "[LocalDS_0] shared/" + name + ".vmdk"
	task, err := object.NewVirtualDiskManager(c.Client).CreateVirtualDisk(e.ctx, p, dc, &types.FileBackedVirtualDiskSpec{
		VirtualDiskSpec: types.VirtualDiskSpec{DiskType: string(types.VirtualDiskTypeThin), AdapterType: string(types.VirtualDiskAdapterTypeLsiLogic)}, CapacityKb: 3 << 20})
	if err == nil {
		err = task.Wait(e.ctx)
	}
	if err != nil {
		e.t.Fatal(err)
	}
	if err := ds.Upload(e.ctx, strings.NewReader("not a disk\n"), "shared/notes.vmdk", &soap.DefaultUpload); err != nil {
		e.t.Fatal(err)
	}
	return p
}

func attachSpec(name string, paths ...string) vm.Spec {
	s := vm.Spec{Name: name, GuestID: "otherGuest64", CPUs: 1, MemoryMB: 256, Power: vm.PowerOff,
		Disks: []vm.Disk{{SizeGiB: 1, UnitNumber: -1, Bus: -1}}}
	for _, p := range paths {
		s.Disks = append(s.Disks, vm.Disk{Attach: true, Path: p, UnitNumber: -1, Bus: -1})
	}
	return s
}

// An attached disk keeps its own size, is refused where it cannot be
// attached (naming the VM that has it), and survives its VM: Delete
// detaches it before Destroy_Task, which would delete it.
func TestAttachDisk(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simhost.Options{})
	data := e.shareDisk("data")
	st := e.create(attachSpec("att-a", data), vm.Options{})
	if len(st.Disks) != 2 || !st.Disks[1].Attached || st.Disks[1].Path != data || st.Disks[1].SizeGiB != 3 || st.Disks[0].Attached {
		t.Fatalf("disks = %+v", st.Disks)
	}
	if p, err := e.m.PlanUpdate(e.ctx, st.UUID, attachSpec("att-a", data)); err != nil || !p.NoChange {
		t.Fatalf("second plan = %+v, %v", p, err)
	}

	for _, tc := range []struct {
		name, path, want string
	}{
		{"another VM has it", data, "attached to VM att-a"},
		{"no disk there", "[LocalDS_0] shared/none.vmdk", "Disk Not Found"},
		{"not a disk", "[LocalDS_0] shared/notes.vmdk", "not a disk descriptor"},
		{"in the VM's own folder", "[LocalDS_0] att-b/x.vmdk", "Disk Inside The VM's Folder"},
	} {
		err := e.m.PlanCreate(e.ctx, attachSpec("att-b", tc.path))
		fes := vm.FieldErrors(err)
		if len(fes) != 1 || fes[0].Path() != "disk[1].path" || !strings.Contains(fes[0].Summary+": "+fes[0].Detail, tc.want) {
			t.Errorf("%s: PlanCreate = %v, want an error on disk[1].path mentioning %q", tc.name, err, tc.want)
		}
	}

	// Removing the entry detaches the disk and deletes nothing.
	up, err := e.m.PlanUpdate(e.ctx, st.UUID, attachSpec("att-a"))
	if err != nil || len(up.DeletesDisks) != 0 || !cmp.Equal(up.DetachesDisks, []string{data}) {
		t.Fatalf("plan removing the entry = %+v, %v", up, err)
	}
	res, err := e.m.Update(e.ctx, st.UUID, attachSpec("att-a"), vm.Options{})
	if err != nil || !cmp.Equal(res.DetachedDisks, []string{data}) || len(res.State.Disks) != 1 {
		t.Fatalf("update = %+v, %v", res, err)
	}
	if len(e.files("shared/data")) == 0 {
		t.Fatal("the detached disk's files are gone")
	}

	// Attached again, then the VM goes: the disk stays.
	if _, err := e.m.Update(e.ctx, st.UUID, attachSpec("att-a", data), vm.Options{}); err != nil {
		t.Fatal(err)
	}
	res, err = e.m.Delete(e.ctx, st.UUID)
	if err != nil || !cmp.Equal(res.DetachedDisks, []string{data}) {
		t.Fatalf("delete = %+v, %v", res, err)
	}
	if len(e.files("shared/data")) == 0 {
		t.Error("deleting the VM deleted the attached disk")
	}
	if got := e.files("att-a"); len(got) != 0 {
		t.Errorf("the VM's own files remain: %v", got)
	}
}

// Moving a VM to another datastore (vCenter) leaves its attached disk
// where it is: without a disk locator a Storage vMotion would move the
// shared disk into the VM's folder on the target.
func TestAttachedDiskStaysOnRelocate(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simhost.Options{VCenter: true, Datastores: 2})
	data := e.shareDisk("data")
	spec := attachSpec("att-move", data)
	spec.Datastore = "LocalDS_0"
	st := e.create(spec, vm.Options{})
	spec.Datastore = "LocalDS_1"
	res, err := e.m.Update(e.ctx, st.UUID, spec, vm.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, d := range res.State.Disks {
		paths = append(paths, d.Path)
	}
	if len(paths) != 2 || !strings.HasPrefix(paths[0], "[LocalDS_1] att-move/") || paths[1] != data || !res.State.Disks[1].Attached {
		t.Errorf("disks after the move: %v, want the VM's own on LocalDS_1 and %s where it was", paths, data)
	}
	if len(e.files("shared/data")) == 0 {
		t.Error("the attached disk's files left their folder")
	}
}

func TestAttachTwiceRefused(t *testing.T) {
	t.Parallel()
	s := attachSpec("twice", "[ds] shared/a.vmdk", "[ds]  shared//a.vmdk")
	fes := vm.FieldErrors(vm.Validate(&s))
	if len(fes) != 1 || fes[0].Path() != "disk[2].path" || fes[0].Summary != "Disk Attached Twice" {
		t.Errorf("Validate = %v, want one Disk Attached Twice on disk[2].path", fes)
	}
}
