package vm_test

import (
	"strings"
	"testing"

	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
	"github.com/esxi-commander/terraform-provider-ceso/internal/vm"
)

// blame returns "path: summary detail" of each field error, or the error.
func blame(err error) string {
	if err == nil {
		return ""
	}
	var out []string
	for _, fe := range vm.FieldErrors(err) {
		out = append(out, fe.Path()+": "+fe.Summary+" "+fe.Detail)
	}
	if len(out) == 0 {
		return err.Error()
	}
	return strings.Join(out, "\n")
}

func TestPlanUpdateDeviceIdentity(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simhost.Options{})
	spec := vm.Spec{Name: "ident", CPUs: 1, MemoryMB: 512, Power: vm.PowerOff,
		Disks: []vm.Disk{{SizeGiB: 1, UnitNumber: -1, Bus: -1}, {SizeGiB: 2, UnitNumber: -1, Bus: -1}, {SizeGiB: 3, UnitNumber: -1, Bus: -1}}}
	st := e.create(spec, vm.Options{})
	with := func(disks ...vm.Disk) vm.Spec {
		s := spec
		s.Disks = disks
		return s
	}
	at := func(unit, size int32) vm.Disk { return vm.Disk{SizeGiB: int64(size), UnitNumber: unit, Bus: 0} }
	free := func(size int64) vm.Disk { return vm.Disk{SizeGiB: size, UnitNumber: -1, Bus: -1} }

	t.Run("unchanged blocks name the disks in order", func(t *testing.T) {
		up, err := e.m.PlanUpdate(e.ctx, st.UUID, spec)
		if err != nil {
			t.Fatal(err)
		}
		if !up.NoChange || len(up.Disks) != 3 || up.Disks[2].Path != st.Disks[2].Path || !up.Disks[2].Existing {
			t.Errorf("plan = %+v", up)
		}
	})
	t.Run("a removal without names is refused", func(t *testing.T) {
		_, err := e.m.PlanUpdate(e.ctx, st.UUID, with(free(2), free(3)))
		if got := blame(err); !strings.Contains(got, "disk[0].unit_number: Which Disk To Remove Is Ambiguous") || !strings.Contains(got, st.Disks[0].Path) {
			t.Errorf("error = %s", got)
		}
	})
	t.Run("a removal by unit names the files it deletes", func(t *testing.T) {
		up, err := e.m.PlanUpdate(e.ctx, st.UUID, with(at(0, 1), at(2, 3)))
		if err != nil {
			t.Fatal(err)
		}
		if !up.DestroysFiles() || len(up.DeletesDisks) != 1 || up.DeletesDisks[0] != st.Disks[1].Path {
			t.Errorf("deletes %v, want only %s", up.DeletesDisks, st.Disks[1].Path)
		}
	})
	t.Run("a wide PVSCSI unit needs hardware version 14", func(t *testing.T) {
		_, err := e.m.PlanUpdate(e.ctx, st.UUID, with(at(0, 1), at(1, 2), at(2, 3), at(20, 1)))
		if got := blame(err); !strings.Contains(got, "disk[3].unit_number") || !strings.Contains(got, "hardware version 14") {
			t.Errorf("error = %s", got)
		}
		s := with(at(0, 1), at(1, 2), at(2, 3), at(20, 1))
		s.HardwareVersion = 19
		if up, err := e.m.PlanUpdate(e.ctx, st.UUID, s); err != nil || up.Disks[3].Existing {
			t.Errorf("with hardware_version 19: plan %+v, error %s", up, blame(err))
		}
	})
	t.Run("a version 0 unit number of a second controller is refused", func(t *testing.T) {
		// Schema version 0 wrote bus 1 unit 1 as unit_number 17. Read as
		// bus 0 unit 17 it would add a disk and remove the one at 1:1.
		if _, err := e.m.Update(e.ctx, st.UUID, with(at(0, 1), at(1, 2), at(2, 3), vm.Disk{SizeGiB: 1, UnitNumber: 1, Bus: 1}), vm.Options{}); err != nil {
			t.Fatalf("add a disk at bus 1 unit 1: %s", blame(err))
		}
		_, err := e.m.PlanUpdate(e.ctx, st.UUID, with(at(0, 1), at(1, 2), at(2, 3), vm.Disk{SizeGiB: 1, UnitNumber: 17, Bus: -1}))
		if got := blame(err); !strings.Contains(got, "disk[3].unit_number") || !strings.Contains(got, "bus_number = 1 and unit_number = 1") {
			t.Errorf("error = %s", got)
		}
	})
}

func TestPlanUpdateLSILogicHasSixteenUnits(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simhost.Options{})
	spec := vm.Spec{Name: "lsi", CPUs: 1, MemoryMB: 512, Power: vm.PowerOff, SCSIType: "lsilogic", HardwareVersion: 19,
		Disks: []vm.Disk{{SizeGiB: 1, UnitNumber: 0}}}
	st := e.create(spec, vm.Options{})
	spec.Disks = append(spec.Disks, vm.Disk{SizeGiB: 1, UnitNumber: 20})
	_, err := e.m.PlanUpdate(e.ctx, st.UUID, spec)
	if got := blame(err); !strings.Contains(got, "needs a PVSCSI controller") {
		t.Errorf("error = %s", got)
	}
}

func TestPlanUpdateNICIdentity(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simhost.Options{})
	spec := vm.Spec{Name: "nic-ident", CPUs: 1, MemoryMB: 512, Power: vm.PowerOff,
		NICs: []vm.NIC{{Network: "VM Network"}, {Network: "VM Network", AdapterType: "e1000e"}}}
	st := e.create(spec, vm.Options{})
	first, second := st.NICs[0].MAC, st.NICs[1].MAC

	t.Run("the second named by its MAC stays, the first goes", func(t *testing.T) {
		s := spec
		s.NICs = []vm.NIC{{Network: "VM Network", AdapterType: "e1000e", MAC: second}}
		up, err := e.m.PlanUpdate(e.ctx, st.UUID, s)
		if err != nil {
			t.Fatal(blame(err))
		}
		if len(up.NICs) != 1 || !up.NICs[0].Existing || up.NICs[0].MAC != second || len(up.Changes) != 1 || !strings.Contains(up.Changes[0], first) {
			t.Errorf("plan = %+v", up)
		}
	})
	t.Run("a generated MAC cannot keep a new adapter type", func(t *testing.T) {
		s := spec
		s.NICs = []vm.NIC{{Network: "VM Network", MAC: first}, {Network: "VM Network", AdapterType: "vmxnet3", MAC: second}}
		_, err := e.m.PlanUpdate(e.ctx, st.UUID, s)
		if got := blame(err); !strings.Contains(got, "network_interface[1].adapter_type") {
			t.Errorf("error = %s", got)
		}
	})
	t.Run("an unnamed block with a new type replaces the adapter", func(t *testing.T) {
		s := spec
		s.NICs = []vm.NIC{{Network: "VM Network"}, {Network: "VM Network", AdapterType: "e1000"}}
		up, err := e.m.PlanUpdate(e.ctx, st.UUID, s)
		if err != nil {
			t.Fatal(blame(err))
		}
		if up.NICs[1].Existing || !up.NICs[0].Existing {
			t.Errorf("planned adapters %+v: the second is replaced, the first kept", up.NICs)
		}
	})
}
