package vm_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/esxi"
	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
	"github.com/esxi-commander/terraform-provider-ceso/internal/vm"
)

func TestEmptyVMCreateReadDelete(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simhost.Options{})
	st := e.create(vm.Spec{
		Name: "empty01", GuestID: "ubuntu64Guest", Firmware: "efi", HardwareVersion: 19,
		CPUs: 4, CoresPerSocket: 2, MemoryMB: 2048, CPUHotAdd: boolp(true),
		Disks:       []vm.Disk{{SizeGiB: 10, UnitNumber: -1}, {SizeGiB: 2, Provisioning: vm.ProvisionThick, UnitNumber: 3}},
		NICs:        []vm.NIC{{Network: "VM Network"}, {Network: "VM Network", AdapterType: "e1000e", MAC: "00:50:56:01:02:03"}},
		CDROM:       &vm.CDROM{ISO: "[LocalDS_0] iso/ubuntu.iso"},
		GuestInfo:   map[string]string{"guestinfo.userdata": "I2Nsb3VkLWNvbmZpZw==", "guestinfo.userdata.encoding": "base64"},
		ExtraConfig: map[string]string{"disk.EnableUUID": "TRUE"},
		Power:       vm.PowerOff,
	}, vm.Options{})

	got := e.read(st.UUID)
	if got.Name != "empty01" || got.GuestID != "ubuntu64Guest" || got.Firmware != "efi" || got.HardwareVersion != 19 ||
		got.CPUs != 4 || got.CoresPerSocket != 2 || got.MemoryMB != 2048 || !got.CPUHotAdd || got.MemoryHotAdd || got.Power != vm.PowerOff {
		t.Errorf("hardware = %+v", got)
	}
	if !got.Managed || got.MarkerState != "ready" || got.CreateID == "" {
		t.Errorf("marker = managed %v state %q id %q", got.Managed, got.MarkerState, got.CreateID)
	}
	type disk struct {
		Controller   string
		Unit         int32
		Size         int64
		Provisioning string
		Datastore    string
	}
	var ds []disk
	for _, d := range got.Disks {
		ds = append(ds, disk{d.Controller, d.UnitNumber, d.SizeGiB, d.Provisioning, d.Datastore})
		if !strings.HasPrefix(d.Path, "[LocalDS_0] empty01/") {
			t.Errorf("disk file %s is not in the VM's folder", d.Path)
		}
	}
	if diff := cmp.Diff([]disk{{"scsi", 0, 10, "thin", "LocalDS_0"}, {"scsi", 3, 2, "thick", "LocalDS_0"}}, ds); diff != "" {
		t.Errorf("disks (-want +got):\n%s", diff)
	}
	if got.SCSIType != "pvscsi" {
		t.Errorf("scsi type = %q", got.SCSIType)
	}
	if len(got.NICs) != 2 || got.NICs[0].AdapterType != "vmxnet3" || got.NICs[0].StaticMAC || got.NICs[0].Network != "VM Network" ||
		got.NICs[1].AdapterType != "e1000e" || got.NICs[1].MAC != "00:50:56:01:02:03" || !got.NICs[1].StaticMAC {
		t.Errorf("nics = %+v", got.NICs)
	}
	if got.CDROM != "[LocalDS_0] iso/ubuntu.iso" {
		t.Errorf("cdrom = %q", got.CDROM)
	}
	wantGI := map[string]string{"guestinfo.userdata": "I2Nsb3VkLWNvbmZpZw==", "guestinfo.userdata.encoding": "base64"}
	if diff := cmp.Diff(wantGI, got.GuestInfo); diff != "" {
		t.Errorf("guestinfo (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]string{"disk.EnableUUID": "TRUE"}, got.ExtraConfig); diff != "" {
		t.Errorf("extra config (-want +got):\n%s", diff)
	}
	if len(e.files("empty01/")) == 0 {
		t.Fatal("no files in the VM's folder")
	}
	// Import helpers resolve the same VM by name, path and UUID.
	for _, id := range []string{"empty01", got.Path, got.UUID, got.BIOSUUID} {
		l, err := e.m.Lookup(e.ctx, id, vm.ReadOptions{})
		if err != nil || l.UUID != got.UUID {
			t.Errorf("lookup %q = %v, %v", id, l, err)
		}
	}

	res, err := e.m.Delete(e.ctx, st.UUID)
	if err != nil {
		t.Fatalf("delete: %v", err)
	}
	if res.ForcedPowerOff {
		t.Error("a powered-off VM was powered off")
	}
	if f := e.files("empty01"); len(f) != 0 {
		t.Errorf("files left after delete: %v", f)
	}
	if _, err := e.m.Read(e.ctx, st.UUID, vm.ReadOptions{}); !vm.IsNotFound(err) {
		t.Errorf("read after delete = %v, want not found", err)
	}
	if _, err := e.m.Delete(e.ctx, st.UUID); err != nil {
		t.Errorf("second delete = %v, want nil", err)
	}
}

func TestCreateRefusesBadInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simhost.Options{VMs: 1})
	unmarked := e.vmNames()[0]
	if unmarked == simhost.TemplateName {
		unmarked = e.vmNames()[1]
	}
	for _, tc := range []struct {
		name  string
		spec  vm.Spec
		field string
		kind  esxi.Kind
		is    func(error) bool
		// tried: the host itself refuses it (a name a VM of the folder
		// has: DuplicateName), so one CreateVM_Task is sent and refused.
		tried bool
	}{
		{name: "template missing", spec: vm.Spec{Name: "a", Template: "no-such-template"}, field: "template"},
		{name: "network missing", spec: vm.Spec{Name: "b", NICs: []vm.NIC{{Network: "no-such-net"}}}, field: "network_interface[0].network"},
		{name: "datastore missing", spec: vm.Spec{Name: "c", Datastore: "nope"}, field: "datastore"},
		{name: "datastore full", spec: vm.Spec{Name: "d", Disks: []vm.Disk{{SizeGiB: 1 << 20, Provisioning: vm.ProvisionThick, UnitNumber: -1}}},
			field: "datastore", kind: esxi.KindNoDiskSpace},
		{name: "template disk full", spec: vm.Spec{Name: "e", Template: simhost.TemplateName, Disks: []vm.Disk{{SizeGiB: 1 << 20, Provisioning: vm.ProvisionThick, UnitNumber: -1}}},
			field: "datastore", kind: esxi.KindNoDiskSpace},
		{name: "bad mac", spec: vm.Spec{Name: "f", NICs: []vm.NIC{{Network: "VM Network", MAC: "aa:bb:cc:dd:ee:ff"}}}, field: "network_interface[0].mac_address"},
		{name: "linked clone on esx", spec: vm.Spec{Name: "g", Template: simhost.TemplateName, LinkedClone: true}, field: "linked_clone"},
		{name: "reserved key", spec: vm.Spec{Name: "h", ExtraConfig: map[string]string{"ceso.state": "ready"}}, field: "extra_config"},
		{name: "name taken", spec: vm.Spec{Name: unmarked}, is: func(err error) bool {
			var nt *vm.NameTakenError
			return errors.As(err, &nt) && strings.Contains(err.Error(), "terraform import")
		}, tried: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e.host.ResetMethods()
			_, err := e.m.Create(e.ctx, tc.spec, vm.Options{})
			if err == nil {
				t.Fatal("create succeeded")
			}
			if tc.field != "" {
				fes := vm.FieldErrors(err)
				if len(fes) == 0 || fes[0].Path() != tc.field {
					t.Fatalf("error %v blames %v, want %s", err, fes, tc.field)
				}
			}
			if tc.kind != "" && esxi.KindOf(err) != tc.kind {
				t.Errorf("kind = %s, want %s (%v)", esxi.KindOf(err), tc.kind, err)
			}
			if tc.is != nil && !tc.is(err) {
				t.Errorf("unexpected error %v", err)
			}
			for _, m := range []string{"CreateVM_Task", "CloneVM_Task", "CopyVirtualDisk_Task", "Destroy_Task"} {
				if n := e.host.CountMethod(m); n != 0 && (!tc.tried || m != "CreateVM_Task" || n > 1) {
					t.Errorf("%s called %d times for refused input", m, n)
				}
			}
		})
	}
	if n := e.count(unmarked); n != 1 {
		t.Errorf("the unmarked VM count is %d, want it untouched", n)
	}
}

func TestTemplateCopyOnESX(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simhost.Options{})
	st := e.create(vm.Spec{
		Name: "web01", Template: simhost.TemplateName, MemoryMB: 4096,
		Disks:     []vm.Disk{{SizeGiB: 5, UnitNumber: -1}, {SizeGiB: 1, UnitNumber: -1}},
		GuestInfo: map[string]string{"guestinfo.metadata": "e30=", "guestinfo.metadata.encoding": "base64"},
		Power:     vm.PowerOn,
	}, vm.Options{})
	if n := e.host.CountMethod("CloneVM_Task"); n != 0 {
		t.Errorf("CloneVM_Task called %d times on a standalone host", n)
	}
	if n := e.host.CountMethod("CopyVirtualDisk_Task"); n != 1 {
		t.Errorf("CopyVirtualDisk_Task called %d times, want 1", n)
	}
	if f := e.files("web01/web01.vmdk"); len(f) != 1 {
		t.Errorf("copied disk not in the new VM's folder: %v (all: %v)", f, e.files(""))
	}
	got := e.read(st.UUID)
	if got.CPUs != 2 || got.MemoryMB != 4096 || got.GuestID != "ubuntu64Guest" || got.Power != vm.PowerOn || got.IsTemplate {
		t.Errorf("state = cpus %d mem %d guest %s power %s template %v", got.CPUs, got.MemoryMB, got.GuestID, got.Power, got.IsTemplate)
	}
	if len(got.Disks) != 2 || got.Disks[0].SizeGiB != 5 || got.Disks[0].Path != "[LocalDS_0] web01/web01.vmdk" || got.Disks[1].SizeGiB != 1 {
		t.Errorf("disks = %+v", got.Disks)
	}
	if len(got.NICs) != 1 || got.NICs[0].AdapterType != "vmxnet3" || got.NICs[0].Network != "VM Network" {
		t.Errorf("nics = %+v (copied from the template)", got.NICs)
	}
	if got.GuestInfo["guestinfo.metadata"] != "e30=" {
		t.Errorf("guestinfo = %v", got.GuestInfo)
	}
	tmpl, err := e.m.Lookup(e.ctx, simhost.TemplateName, vm.ReadOptions{})
	if err != nil || !tmpl.IsTemplate || tmpl.Managed {
		t.Errorf("template = %+v, %v", tmpl, err)
	}

	res, err := e.m.Delete(e.ctx, st.UUID)
	if err != nil || !res.ForcedPowerOff {
		t.Fatalf("delete = %+v, %v", res, err)
	}
	if f := e.files("web01"); len(f) != 0 {
		t.Errorf("files left: %v", f)
	}
	if f := e.files(simhost.TemplateName + "/"); len(f) == 0 {
		t.Error("the template's files are gone")
	}
}

func TestTemplateCopyFromRunningSource(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simhost.Options{})
	src := e.create(vm.Spec{Name: "src", Disks: []vm.Disk{{SizeGiB: 1, UnitNumber: -1}}, NICs: []vm.NIC{{Network: "VM Network"}}}, vm.Options{})
	if src.Power != vm.PowerOn {
		t.Fatalf("source power = %s", src.Power)
	}
	// The snapshot is removed even when the copy fails.
	e.failNth("CopyVirtualDisk_Task", 1, &types.NoDiskSpace{Datastore: "LocalDS_0"})
	_, err := e.m.Create(e.ctx, vm.Spec{Name: "copy1", Template: "src"}, vm.Options{})
	if esxi.KindOf(err) != esxi.KindNoDiskSpace || !strings.Contains(err.Error(), "datastore is full") {
		t.Fatalf("create with a full datastore = %v (kind %s)", err, esxi.KindOf(err))
	}
	if got := e.read(src.UUID); got.HasSnapshot {
		t.Error("the source's snapshot was left after a failed copy")
	}
	if n := e.count("copy1"); n != 0 {
		t.Errorf("%d VMs copy1 left after a failed create", n)
	}
	if f := e.files("copy1"); len(f) != 0 {
		t.Errorf("files left after a failed create: %v", f)
	}

	st := e.create(vm.Spec{Name: "copy2", Template: "src", Power: vm.PowerOff}, vm.Options{})
	if e.host.CountMethod("CreateSnapshot_Task") != 2 || e.host.CountMethod("RemoveSnapshot_Task") != 2 {
		t.Errorf("snapshots created %d, removed %d; want 2 and 2", e.host.CountMethod("CreateSnapshot_Task"), e.host.CountMethod("RemoveSnapshot_Task"))
	}
	if got := e.read(src.UUID); got.HasSnapshot || got.Power != vm.PowerOn {
		t.Errorf("source after copy: snapshot %v power %s", got.HasSnapshot, got.Power)
	}
	if got := e.read(st.UUID); len(got.Disks) != 1 || !strings.HasPrefix(got.Disks[0].Path, "[LocalDS_0] copy2/") {
		t.Errorf("copy's disks = %+v", got.Disks)
	}
}

func TestCloneOnVCenter(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simhost.Options{VCenter: true})
	st := e.create(vm.Spec{
		Name: "vc01", Template: simhost.TemplateName, CPUs: 4, Cluster: "DC0_C0",
		Disks: []vm.Disk{{SizeGiB: 3, UnitNumber: -1}},
		NICs:  []vm.NIC{{Network: "DC0_DVPG0"}},
		Power: vm.PowerOff,
	}, vm.Options{})
	if n := e.host.CountMethod("CloneVM_Task"); n != 1 {
		t.Errorf("CloneVM_Task called %d times, want 1", n)
	}
	if n := e.host.CountMethod("CopyVirtualDisk_Task"); n != 0 {
		t.Errorf("CopyVirtualDisk_Task called %d times on vCenter", n)
	}
	got := e.read(st.UUID)
	if got.CPUs != 4 || got.IsTemplate || !got.Managed || got.MarkerState != "ready" || got.Datacenter != "DC0" {
		t.Errorf("clone = %+v", got)
	}
	if len(got.Disks) != 1 || got.Disks[0].SizeGiB != 3 {
		t.Errorf("disks = %+v", got.Disks)
	}
	if len(got.NICs) != 1 || got.NICs[0].Network != "DC0_DVPG0" {
		t.Errorf("nics = %+v", got.NICs)
	}
	if _, err := e.m.Delete(e.ctx, st.UUID); err != nil {
		t.Fatal(err)
	}
	if f := e.files("vc01"); len(f) != 0 {
		t.Errorf("files left: %v", f)
	}
}

func TestInterruptedCreateConverges(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		method string // the step after CreateVM_Task that fails
		spec   vm.Spec
	}{
		{"final reconfigure", "ReconfigVM_Task", vm.Spec{Name: "int1", Disks: []vm.Disk{{SizeGiB: 1, UnitNumber: -1}}}},
		{"disk copy", "CopyVirtualDisk_Task", vm.Spec{Name: "int2", Template: simhost.TemplateName}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, simhost.Options{})
			// The step fails, and so does the cleanup (Destroy_Task): the
			// process might as well have crashed, leaving a marked,
			// incomplete VM behind.
			e.failNth(tc.method, 1, &types.NoDiskSpace{Datastore: "LocalDS_0"})
			e.failNth("Destroy_Task", 1, &types.HostCommunication{})
			_, err := e.m.Create(e.ctx, tc.spec, vm.Options{})
			if err == nil || !strings.Contains(err.Error(), "the next create") {
				t.Fatalf("create = %v, want a failure that says the next create cleans up", err)
			}
			if n := e.count(tc.spec.Name); n != 1 {
				t.Fatalf("%d VMs after the interrupted create, want the 1 incomplete one", n)
			}
			left, err := e.m.Lookup(e.ctx, tc.spec.Name, vm.ReadOptions{})
			if err != nil || !left.Managed || left.MarkerState != "creating" {
				t.Fatalf("left-over VM = %+v, %v", left, err)
			}

			// The interrupted create's lease still runs: hands off.
			_, err = e.m.Create(e.ctx, tc.spec, vm.Options{})
			var busy *vm.InProgressError
			if !errors.As(err, &busy) || busy.UUID != left.UUID {
				t.Fatalf("create while the lease runs = %v, want an *InProgressError for %s", err, left.UUID)
			}
			if n := e.count(tc.spec.Name); n != 1 {
				t.Fatalf("%d VMs after the refused create, want the incomplete one", n)
			}
			// The lease runs out (the process that held it died).
			e.guest(left.UUID, vm.KeyLease, "2000-01-01T00:00:00Z")

			res, err := e.m.Create(e.ctx, tc.spec, vm.Options{})
			if err != nil {
				t.Fatalf("second create: %v", err)
			}
			// (The simulator derives instance UUIDs from the .vmx path, so
			// the new VM may have the old one's UUID; the create id differs.)
			if !res.Replaced || res.State.CreateID == left.CreateID || res.State.MarkerState != "ready" {
				t.Errorf("second create = replaced %v create id %s (old %s) state %s",
					res.Replaced, res.State.CreateID, left.CreateID, res.State.MarkerState)
			}
			if _, ok := res.State.ExtraConfig[vm.KeyLease]; ok {
				t.Errorf("the complete VM still carries a lease: %v", res.State.ExtraConfig)
			}
			if n := e.count(tc.spec.Name); n != 1 {
				t.Errorf("%d VMs named %s, want exactly 1", n, tc.spec.Name)
			}
			// Only the new VM's files remain: its folder and nothing else.
			for _, f := range e.files(tc.spec.Name) {
				if !strings.Contains(f, "/"+tc.spec.Name+"/") {
					t.Errorf("orphan file %s", f)
				}
			}
			want := strings.TrimPrefix(res.State.VMXPath, "[LocalDS_0] ")
			if f := e.files(want); len(f) != 1 {
				t.Errorf("vmx %s missing: %v", want, e.files(tc.spec.Name))
			}

			// A third create of the same, complete VM (one its caller's state
			// does not hold) never takes it over.
			_, err = e.m.Create(e.ctx, tc.spec, vm.Options{})
			var foreign *vm.NotInStateError
			if !errors.As(err, &foreign) || foreign.UUID != res.State.UUID || !strings.Contains(err.Error(), "terraform import") {
				t.Errorf("third create = %v; want a *NotInStateError pointing to import", err)
			}
			if n := e.count(tc.spec.Name); n != 1 {
				t.Errorf("%d VMs after the refused create", n)
			}
		})
	}
}

func TestCreateCleansUpAfterAFailedStep(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simhost.Options{})
	e.failNth("ReconfigVM_Task", 1, &types.NoPermission{PrivilegeId: "VirtualMachine.Config.AddNewDisk"})
	_, err := e.m.Create(e.ctx, vm.Spec{Name: "perm", Disks: []vm.Disk{{SizeGiB: 1, UnitNumber: -1}}}, vm.Options{})
	if esxi.KindOf(err) != esxi.KindNoPermission || !strings.Contains(err.Error(), "privilege") {
		t.Fatalf("create = %v (kind %s), want no permission with a hint", err, esxi.KindOf(err))
	}
	if n := e.count("perm"); n != 0 {
		t.Errorf("%d VMs left", n)
	}
	if f := e.files("perm"); len(f) != 0 {
		t.Errorf("files left: %v", f)
	}
}

func TestParallelCreatesFromOneTemplate(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simhost.Options{})
	const n = 50
	errs := make(chan error, n)
	uuids := make(chan string, n)
	for i := range n {
		go func() {
			res, err := e.m.Create(e.ctx, vm.Spec{Name: fmt.Sprintf("par%02d", i), Template: simhost.TemplateName,
				Disks: []vm.Disk{{SizeGiB: 2, UnitNumber: -1}}, Power: vm.PowerOff}, vm.Options{})
			if err == nil {
				uuids <- res.State.UUID
			}
			errs <- err
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	if len(uuids) != n {
		t.Fatalf("%d of %d creates succeeded", len(uuids), n)
	}
	t.Logf("inventory fetches: %d, calls: %s", e.c.Inventory.Fetches(), e.c.Pool.Counter())
	if st := e.c.Pool.Stats(); st.Created > 10 {
		t.Errorf("the pool logged in %d sessions, more than its 10", st.Created)
	}
	for i := range n {
		if f := e.files(fmt.Sprintf("par%02d/par%02d.vmdk", i, i)); len(f) != 1 {
			t.Errorf("par%02d: copied disk missing", i)
		}
	}
}

func TestCreateRefusedByTheHost(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simhost.Options{})
	// A free-licence host refuses every write with RestrictedVersion.
	e.failNth("CreateVM_Task", 1, &types.RestrictedVersion{})
	_, err := e.m.Create(e.ctx, vm.Spec{Name: "free"}, vm.Options{})
	if esxi.KindOf(err) != esxi.KindFreeLicence || !strings.Contains(err.Error(), "licence") {
		t.Errorf("create on a free host = %v (kind %s)", err, esxi.KindOf(err))
	}

	// A host in maintenance mode takes no new VM; ceso says so before trying.
	c, err := e.host.Client(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Logout(e.ctx) }()
	f := find.NewFinder(c.Client, true)
	dc, err := f.DefaultDatacenter(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	host, err := f.SetDatacenter(dc).DefaultHostSystem(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	task, err := host.EnterMaintenanceMode(e.ctx, 0, false, nil)
	if err == nil {
		err = task.Wait(e.ctx)
	}
	if err != nil {
		t.Fatal(err)
	}
	e.c.Inventory.Invalidate()
	e.host.ResetMethods()
	_, err = e.m.Create(e.ctx, vm.Spec{Name: "mm"}, vm.Options{})
	if esxi.KindOf(err) != esxi.KindMaintenance || !strings.Contains(err.Error(), "maintenance mode") {
		t.Errorf("create on a host in maintenance = %v (kind %s)", err, esxi.KindOf(err))
	}
	if n := e.host.CountMethod("CreateVM_Task"); n != 0 {
		t.Errorf("CreateVM_Task called %d times", n)
	}
}

func TestLinkedCloneNeedsASnapshot(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simhost.Options{VCenter: true})
	_, err := e.m.Create(e.ctx, vm.Spec{Name: "lc", Template: simhost.TemplateName, LinkedClone: true}, vm.Options{})
	if fes := vm.FieldErrors(err); len(fes) != 1 || fes[0].Field != "linked_clone" {
		t.Fatalf("linked clone without a snapshot = %v", err)
	}
	if n := e.count("lc"); n != 0 {
		t.Errorf("%d VMs lc left", n)
	}
}
