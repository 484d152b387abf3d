package vm_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

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
		}},
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
				if n := e.host.CountMethod(m); n != 0 {
					t.Errorf("%s called %d times for refused input", m, n)
				}
			}
		})
	}
	if n := e.count(unmarked); n != 1 {
		t.Errorf("the unmarked VM count is %d, want it untouched", n)
	}
}
