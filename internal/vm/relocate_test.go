package vm_test

import (
	"strings"
	"testing"

	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
	"github.com/esxi-commander/terraform-provider-ceso/internal/vm"
)

// On vCenter a datastore change moves the VM (Storage vMotion): same UUID,
// its files and disks on the new datastore. A standalone host cannot move
// a VM and says so before anything changes.
func TestUpdateRelocates(t *testing.T) {
	t.Parallel()
	t.Run("vcenter", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, simhost.Options{VCenter: true, Datastores: 2})
		st := e.create(vm.Spec{Name: "mover", Template: simhost.TemplateName, Datastore: "LocalDS_0", Power: vm.PowerOff}, vm.Options{})
		up, err := e.m.PlanUpdate(e.ctx, st.UUID, vm.Spec{Name: "mover", Datastore: "LocalDS_1", Power: vm.PowerOff})
		if err != nil || len(up.Changes) != 1 || up.Changes[0] != "datastore" {
			t.Fatalf("plan = %+v, %v; want a datastore move", up, err)
		}
		res, err := e.m.Update(e.ctx, st.UUID, vm.Spec{Name: "mover", Datastore: "LocalDS_1", Power: vm.PowerOff}, vm.Options{})
		if err != nil {
			t.Fatal(err)
		}
		got := res.State
		if got.UUID != st.UUID || got.Datastore != "LocalDS_1" || !strings.HasPrefix(got.VMXPath, "[LocalDS_1] ") {
			t.Errorf("after the move: uuid %s (was %s), datastore %s, vmx %s", got.UUID, st.UUID, got.Datastore, got.VMXPath)
		}
		for _, d := range got.Disks {
			if d.Datastore != "LocalDS_1" {
				t.Errorf("disk %s stayed on %s", d.Path, d.Datastore)
			}
		}
		if n := e.host.CountMethod("RelocateVM_Task"); n != 1 {
			t.Errorf("RelocateVM_Task called %d times", n)
		}
		if _, err := e.m.Delete(e.ctx, st.UUID); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("standalone", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, simhost.Options{Datastores: 2})
		st := e.create(vm.Spec{Name: "stay", Datastore: "LocalDS_0", Power: vm.PowerOff}, vm.Options{})
		_, err := e.m.Update(e.ctx, st.UUID, vm.Spec{Name: "stay", Datastore: "LocalDS_1", Power: vm.PowerOff}, vm.Options{})
		if fes := vm.FieldErrors(err); len(fes) != 1 || fes[0].Field != "datastore" || !strings.Contains(err.Error(), "only vCenter") {
			t.Fatalf("update = %v, want a datastore error saying only vCenter moves VMs", err)
		}
		if n := e.host.CountMethod("RelocateVM_Task"); n != 0 {
			t.Errorf("RelocateVM_Task sent to a standalone host %d times", n)
		}
	})
}
