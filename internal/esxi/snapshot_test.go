package esxi_test

import (
	"context"
	"testing"

	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/esxi"
	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
)

// A snapshot removal that leaves the disks needing consolidation (a real
// host's locked delta) is followed by a consolidation.
func TestRemoveSnapshotConsolidates(t *testing.T) {
	t.Parallel()
	h := startHost(t, simhost.Options{})
	h.LeaveDeltas()
	p := newPool(t, configFor(h))
	err := p.WithSession(context.Background(), func(ctx context.Context, s *esxi.Session) error {
		vm, err := find.NewFinder(s.Client, true).VirtualMachine(ctx, "/ha-datacenter/vm/"+simhost.TemplateName)
		if err != nil {
			return err
		}
		task, err := vm.CreateSnapshot(ctx, "probe", "", false, false)
		info, err := esxi.WaitTask(ctx, "snapshot", task, err)
		if err != nil {
			return err
		}
		snap, _ := info.Result.(types.ManagedObjectReference)
		if err := esxi.RemoveSnapshot(ctx, s, vm.Reference(), snap, "the probe snapshot"); err != nil {
			return err
		}
		var o mo.VirtualMachine
		if err := object.NewVirtualMachine(s.Client, vm.Reference()).Properties(ctx, vm.Reference(), []string{"runtime.consolidationNeeded"}, &o); err != nil {
			return err
		}
		if o.Runtime.ConsolidationNeeded {
			t.Error("the VM still needs consolidation after RemoveSnapshot")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := h.Consolidations(); n != 1 {
		t.Errorf("%d consolidations, want 1", n)
	}
}
