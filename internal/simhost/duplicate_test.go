package simhost_test

import (
	"context"
	"testing"

	"github.com/vmware/govmomi/fault"
	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
)

// CreateVM_Task refuses a name a VM of the folder has, as a real host does,
// even when the new VM's files would go elsewhere (where the simulator
// alone made a second VM of the name); another name is made.
func TestCreateVMRefusesADuplicateName(t *testing.T) {
	t.Parallel()
	_, c := started(t, simhost.Options{})
	ctx := context.Background()
	f := find.NewFinder(c.Client)
	folder, err := f.DefaultFolder(ctx)
	if err != nil {
		t.Fatal(err)
	}
	pool, err := f.DefaultResourcePool(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, dir string
		refused   bool
	}{
		{name: simhost.TemplateName, dir: "elsewhere", refused: true},
		{name: "a-new-name", dir: "a-new-name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			spec := types.VirtualMachineConfigSpec{Name: tc.name, GuestId: "otherGuest64",
				Files: &types.VirtualMachineFileInfo{VmPathName: "[LocalDS_0] " + tc.dir + "/" + tc.name + ".vmx"}}
			task, err := folder.CreateVM(ctx, spec, pool, nil)
			if err == nil {
				err = task.Wait(ctx)
			}
			if got := err != nil && fault.Is(err, &types.DuplicateName{}); got != tc.refused {
				t.Errorf("create %s: err = %v, want DuplicateName: %v", tc.name, err, tc.refused)
			}
		})
	}
}
