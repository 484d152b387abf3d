package simhost_test

import (
	"context"
	"testing"
	"time"

	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
)

// FindChild answers, again and again, while the folder holds an object the
// simulator cannot name (a VM whose create is in flight): the simulator's
// own FindChild panicked there and left the SearchIndex locked, so the
// next FindChild of the host hung.
func TestFindChildSurvivesANamelessChild(t *testing.T) {
	t.Parallel()
	h, c := started(t, simhost.Options{})
	ctx := context.Background()
	folder, err := find.NewFinder(c.Client).DefaultFolder(ctx)
	if err != nil {
		t.Fatal(err)
	}
	vm, err := find.NewFinder(c.Client).VirtualMachine(ctx, simhost.TemplateName)
	if err != nil {
		t.Fatal(err)
	}
	reg := h.Model.Map()
	nameless := types.ManagedObjectReference{Type: "VirtualMachine", Value: "vm-in-flight"}
	reg.Put(&mo.VirtualMachine{ManagedEntity: mo.ManagedEntity{ExtensibleManagedObject: mo.ExtensibleManagedObject{Self: nameless}}})
	f, ok := reg.Get(folder.Reference()).(*simulator.Folder)
	if !ok {
		t.Fatalf("%v is not a folder", folder.Reference())
	}
	reg.WithLock(h.Model.Service.Context, f, func() { f.ChildEntity = append([]types.ManagedObjectReference{nameless}, f.ChildEntity...) })

	si := object.NewSearchIndex(c.Client)
	for i := range 3 {
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		ref, err := si.FindChild(cctx, folder, simhost.TemplateName)
		cancel()
		if err != nil {
			t.Fatalf("FindChild %d: %v", i+1, err)
		}
		if ref == nil || ref.Reference() != vm.Reference() {
			t.Fatalf("FindChild %d found %v, want the template %v", i+1, ref, vm.Reference())
		}
	}
}
