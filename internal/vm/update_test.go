package vm_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
	"github.com/esxi-commander/terraform-provider-ceso/internal/vm"
)

// base is the spec the update tests start from.
func base(name string) vm.Spec {
	return vm.Spec{
		Name: name, CPUs: 2, MemoryMB: 1024,
		Disks: []vm.Disk{{SizeGiB: 2, UnitNumber: 0}},
		NICs:  []vm.NIC{{Network: "VM Network"}},
		GuestInfo: map[string]string{
			"guestinfo.userdata": "aGVsbG8=", "guestinfo.userdata.encoding": "base64",
		},
		Power: vm.PowerOff,
	}
}

func TestUpdateInPlace(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simhost.Options{})
	for _, tc := range []struct {
		name   string
		change func(s *vm.Spec)
		check  func(t *testing.T, st *vm.VMState, res *vm.Result)
	}{
		{"disk grow", func(s *vm.Spec) { s.Disks[0].SizeGiB = 8 }, func(t *testing.T, st *vm.VMState, _ *vm.Result) {
			if st.Disks[0].SizeGiB != 8 {
				t.Errorf("size = %d", st.Disks[0].SizeGiB)
			}
		}},
		{"disk add", func(s *vm.Spec) { s.Disks = append(s.Disks, vm.Disk{SizeGiB: 1, UnitNumber: -1, Controller: "sata"}) },
			func(t *testing.T, st *vm.VMState, _ *vm.Result) {
				if len(st.Disks) != 2 || st.Disks[1].Controller != "sata" || st.Disks[1].UnitNumber != 0 {
					t.Errorf("disks = %+v", st.Disks)
				}
			}},
		{"disk remove", func(s *vm.Spec) { s.Disks = s.Disks[:0] }, func(t *testing.T, st *vm.VMState, res *vm.Result) {
			if len(st.Disks) != 0 || len(res.DeletedDisks) != 1 {
				t.Errorf("disks = %+v, deleted %v", st.Disks, res.DeletedDisks)
			}
		}},
		{"nic add and change", func(s *vm.Spec) {
			s.NICs = []vm.NIC{{Network: "VM Network", MAC: "00:50:56:00:00:10"}, {Network: "VM Network", AdapterType: "e1000"}}
		}, func(t *testing.T, st *vm.VMState, _ *vm.Result) {
			if len(st.NICs) != 2 || st.NICs[0].MAC != "00:50:56:00:00:10" || !st.NICs[0].StaticMAC || st.NICs[1].AdapterType != "e1000" {
				t.Errorf("nics = %+v", st.NICs)
			}
		}},
		{"nic remove", func(s *vm.Spec) { s.NICs = []vm.NIC{} }, func(t *testing.T, st *vm.VMState, _ *vm.Result) {
			if len(st.NICs) != 0 {
				t.Errorf("nics = %+v", st.NICs)
			}
		}},
		{"rename", func(s *vm.Spec) { s.Name += "-renamed" }, func(t *testing.T, st *vm.VMState, _ *vm.Result) {
			if !strings.HasSuffix(st.Name, "-renamed") {
				t.Errorf("name = %s", st.Name)
			}
		}},
		{"guestinfo", func(s *vm.Spec) {
			s.GuestInfo = map[string]string{"guestinfo.metadata": "e30=", "guestinfo.metadata.encoding": "base64"}
			s.ExtraConfig = map[string]string{"uefi.secureBoot.enabled": "FALSE"}
		}, func(t *testing.T, st *vm.VMState, _ *vm.Result) {
			want := map[string]string{"guestinfo.metadata": "e30=", "guestinfo.metadata.encoding": "base64"}
			if diff := cmp.Diff(want, st.GuestInfo); diff != "" {
				t.Errorf("guestinfo (-want +got):\n%s", diff)
			}
			if st.ExtraConfig["uefi.secureBoot.enabled"] != "FALSE" {
				t.Errorf("extra config = %v", st.ExtraConfig)
			}
		}},
		{"cpu and memory while off", func(s *vm.Spec) { s.CPUs, s.MemoryMB = 1, 512 }, func(t *testing.T, st *vm.VMState, res *vm.Result) {
			if st.CPUs != 1 || st.MemoryMB != 512 || res.PowerCycled {
				t.Errorf("cpus %d memory %d cycled %v", st.CPUs, st.MemoryMB, res.PowerCycled)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			name := strings.ReplaceAll(tc.name, " ", "-")
			spec := base(name)
			st := e.create(spec, vm.Options{})
			tc.change(&spec)
			plan, err := e.m.PlanUpdate(e.ctx, st.UUID, spec)
			if err != nil || plan.NoChange {
				t.Fatalf("plan = %+v, %v", plan, err)
			}
			res, err := e.m.Update(e.ctx, st.UUID, spec, vm.Options{})
			if err != nil {
				t.Fatalf("update: %v", err)
			}
			after := e.read(st.UUID)
			tc.check(t, after, res)
			// Applying the same spec again changes nothing, once the new
			// disks carry the unit numbers they got (as the glue's state does).
			for i := range spec.Disks {
				if spec.Disks[i].UnitNumber < 0 && i < len(after.Disks) {
					spec.Disks[i].UnitNumber = after.Disks[i].UnitNumber
				}
			}
			again, err := e.m.PlanUpdate(e.ctx, st.UUID, spec)
			if err != nil || !again.NoChange {
				t.Errorf("second plan = %+v, %v; want no change", again, err)
			}
		})
	}
}

func TestGuestKeysCauseNoDrift(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simhost.Options{})
	spec := base("gi")
	st := e.create(spec, vm.Options{})
	// The guest (or another tool) writes keys of its own.
	e.guest(st.UUID, "guestinfo.ip", "10.0.0.9", "tools.syncTime", "TRUE")
	got := e.read(st.UUID)
	if diff := cmp.Diff(spec.GuestInfo, got.GuestInfo); diff != "" {
		t.Errorf("guestinfo shows unmanaged keys (-want +got):\n%s", diff)
	}
	if len(got.ExtraConfig) != 0 {
		t.Errorf("extra config = %v", got.ExtraConfig)
	}
	if p, err := e.m.PlanUpdate(e.ctx, st.UUID, spec); err != nil || !p.NoChange {
		t.Errorf("plan = %+v, %v", p, err)
	}
	// Asked for, a key is reported (an import can read the keys its config names).
	l, err := e.m.Read(e.ctx, st.UUID, vm.ReadOptions{Keys: []string{"guestinfo.ip"}})
	if err != nil || l.GuestInfo["guestinfo.ip"] != "10.0.0.9" {
		t.Errorf("read with keys = %v, %v", l.GuestInfo, err)
	}
	// A key dropped from the spec is removed from the VM.
	spec.GuestInfo = map[string]string{"guestinfo.userdata": "aGVsbG8="}
	if _, err := e.m.Update(e.ctx, st.UUID, spec, vm.Options{}); err != nil {
		t.Fatal(err)
	}
	got, _ = e.m.Read(e.ctx, st.UUID, vm.ReadOptions{Keys: []string{"guestinfo.userdata.encoding", "guestinfo.ip"}})
	if diff := cmp.Diff(map[string]string{"guestinfo.userdata": "aGVsbG8=", "guestinfo.ip": "10.0.0.9"}, got.GuestInfo); diff != "" {
		t.Errorf("after dropping a key (-want +got):\n%s", diff)
	}
}

func TestDiskShrinkRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simhost.Options{})
	spec := base("shrink")
	spec.Disks[0].SizeGiB = 4
	st := e.create(spec, vm.Options{})
	spec.Disks[0].SizeGiB = 3
	e.host.ResetMethods()
	_, err := e.m.Update(e.ctx, st.UUID, spec, vm.Options{AllowPowerCycle: true, AllowForcedPowerOff: true})
	fes := vm.FieldErrors(err)
	if len(fes) != 1 || fes[0].Path() != "disk[0].size_gb" || fes[0].Summary != "Disk shrink refused" {
		t.Fatalf("update = %v", err)
	}
	if _, perr := e.m.PlanUpdate(e.ctx, st.UUID, spec); perr == nil {
		t.Error("plan accepted a shrink")
	}
	if n := e.host.CountMethod("ReconfigVM_Task"); n != 0 {
		t.Errorf("ReconfigVM_Task called %d times", n)
	}
	if got := e.read(st.UUID); got.Disks[0].SizeGiB != 4 {
		t.Errorf("size = %d", got.Disks[0].SizeGiB)
	}
}

func TestCPUAndMemoryOnARunningVM(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simhost.Options{})
	for _, tc := range []struct {
		name    string
		hotAdd  bool
		cpus    int32
		opts    vm.Options
		cycled  bool
		wantErr error
	}{
		{name: "hot add", hotAdd: true, cpus: 4, cycled: false},
		{name: "hot remove needs a cycle", hotAdd: true, cpus: 1, wantErr: vm.ErrPowerCycleNeeded},
		{name: "no hot add, no permission", cpus: 4, wantErr: vm.ErrPowerCycleNeeded},
		{name: "no hot add, no forced power-off", cpus: 4, opts: vm.Options{AllowPowerCycle: true, ShutdownTimeout: time.Second}, wantErr: vm.ErrForcedPowerOffNeeded},
		{name: "power cycle", cpus: 4, opts: vm.Options{AllowPowerCycle: true, AllowForcedPowerOff: true}, cycled: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			spec := base(strings.ReplaceAll(tc.name, " ", "-"))
			spec.Power, spec.CPUHotAdd, spec.MemoryHotAdd = vm.PowerOn, boolp(tc.hotAdd), boolp(tc.hotAdd)
			st := e.create(spec, vm.Options{})
			spec.CPUs, spec.MemoryMB = tc.cpus, 2048
			res, err := e.m.Update(e.ctx, st.UUID, spec, tc.opts)
			got := e.read(st.UUID)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("update = %v, want %v", err, tc.wantErr)
				}
				if got.CPUs != 2 || got.MemoryMB != 1024 || got.Power != vm.PowerOn {
					t.Errorf("a refused update changed the VM: cpus %d memory %d power %s", got.CPUs, got.MemoryMB, got.Power)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.CPUs != tc.cpus || got.MemoryMB != 2048 || got.Power != vm.PowerOn || res.PowerCycled != tc.cycled || res.ForcedPowerOff != tc.cycled {
				t.Errorf("cpus %d memory %d power %s cycled %v forced %v", got.CPUs, got.MemoryMB, got.Power, res.PowerCycled, res.ForcedPowerOff)
			}
		})
	}
}

func TestKeepOnRemove(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simhost.Options{})
	spec := base("keeper")
	spec.Disks = []vm.Disk{{SizeGiB: 1, UnitNumber: 0}, {SizeGiB: 1, UnitNumber: 1, KeepOnRemove: true}, {SizeGiB: 1, UnitNumber: 2, KeepOnRemove: true}}
	st := e.create(spec, vm.Options{})
	if got := e.read(st.UUID); !got.Disks[1].KeepOnRemove || got.Disks[0].KeepOnRemove {
		t.Fatalf("keep flags = %+v", got.Disks)
	}
	// Removed from the list: detached and kept.
	spec.Disks = spec.Disks[:2]
	res, err := e.m.Update(e.ctx, st.UUID, spec, vm.Options{})
	if err != nil || len(res.KeptDisks) != 1 || len(res.DeletedDisks) != 0 {
		t.Fatalf("update = %+v, %v", res, err)
	}
	// Deleted with the VM: kept too; everything else goes.
	del, err := e.m.Delete(e.ctx, st.UUID)
	if err != nil || len(del.KeptDisks) != 1 {
		t.Fatalf("delete = %+v, %v", del, err)
	}
	if f := e.files("keeper/"); len(f) != 0 {
		t.Errorf("files left in the VM's folder: %v", f)
	}
	kept := e.files("keeper-kept/")
	if len(kept) != 4 { // two disks, descriptor and extent each
		t.Errorf("kept files = %v (results %v %v)", kept, res.KeptDisks, del.KeptDisks)
	}
}
