package vm_test

import (
	"errors"
	"testing"

	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
	"github.com/esxi-commander/terraform-provider-ceso/internal/vm"
)

// PlanCreate finds what Create would refuse before making anything, with
// reads only.
func TestPlanCreateFindsBadReferences(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simhost.Options{})
	for _, tc := range []struct {
		name  string
		spec  vm.Spec
		field string // "" for a good spec
	}{
		{name: "good template copy", spec: vm.Spec{Name: "ok", Template: simhost.TemplateName, NICs: []vm.NIC{{Network: "VM Network"}}}},
		{name: "good empty VM", spec: vm.Spec{Name: "ok2", Disks: []vm.Disk{{SizeGiB: 1, UnitNumber: -1}}}},
		{name: "template missing", spec: vm.Spec{Name: "a", Template: "no-such-template"}, field: "template"},
		{name: "network missing", spec: vm.Spec{Name: "b", NICs: []vm.NIC{{Network: "VM Network"}, {Network: "no-such-net"}}}, field: "network_interface[1].network"},
		{name: "datastore missing", spec: vm.Spec{Name: "c", Datastore: "nope"}, field: "datastore"},
		{name: "disk datastore missing", spec: vm.Spec{Name: "d", Disks: []vm.Disk{{SizeGiB: 1, UnitNumber: -1, Datastore: "nope"}}}, field: "disk[0].datastore"},
		{name: "folder missing", spec: vm.Spec{Name: "f", Folder: "no/such/folder"}, field: "folder"},
		{name: "linked clone on esx", spec: vm.Spec{Name: "g", Template: simhost.TemplateName, LinkedClone: true}, field: "linked_clone"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e.host.ResetMethods()
			err := e.m.PlanCreate(e.ctx, tc.spec)
			if tc.field == "" {
				if err != nil {
					t.Fatalf("PlanCreate(%+v) = %v, want no error", tc.spec, err)
				}
			} else if fes := vm.FieldErrors(err); len(fes) == 0 || fes[0].Path() != tc.field {
				t.Fatalf("PlanCreate error %v blames %v, want %s", err, fes, tc.field)
			}
			for _, m := range e.host.Methods() {
				switch m {
				case "RetrieveProperties", "RetrievePropertiesEx", "CreateContainerView", "DestroyView", "CreatePropertyCollector", "DestroyPropertyCollector":
				default:
					t.Errorf("PlanCreate called %s; it must only read", m)
				}
			}
		})
	}
	// A VM of the name that ceso did not make is reported; ceso never touches it.
	var nt *vm.NameTakenError
	if err := e.m.PlanCreate(e.ctx, vm.Spec{Name: simhost.TemplateName}); !errors.As(err, &nt) {
		t.Errorf("PlanCreate of an unmanaged VM's name = %v, want *NameTakenError", err)
	}
	// Unless that VM is the one the create replaces (an imported VM).
	if err := e.m.PlanCreate(e.ctx, vm.Spec{Name: simhost.TemplateName, Replaces: nt.UUID}); err != nil {
		t.Errorf("PlanCreate replacing the VM of that name = %v, want no error", err)
	}
}
