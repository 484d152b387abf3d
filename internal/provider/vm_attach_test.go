package provider_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/object"
	vimtypes "github.com/vmware/govmomi/vim25/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/acctest"
	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
)

const attachedPath = "[LocalDS_0] shared/data.vmdk"

// datastoreHas asks the host's datastore browser, through the API, whether
// the file exists ("shared/data.vmdk" on LocalDS_0).
func datastoreHas(h *acctest.Host, rel string) (bool, error) {
	ctx := context.Background()
	c, err := h.Client(ctx)
	if err != nil {
		return false, err
	}
	defer func() { _ = c.Logout(ctx) }()
	f := find.NewFinder(c.Client)
	dc, err := f.DefaultDatacenter(ctx)
	if err != nil {
		return false, err
	}
	f.SetDatacenter(dc)
	ds, err := f.Datastore(ctx, "LocalDS_0")
	if err != nil {
		return false, err
	}
	_, err = ds.Stat(ctx, rel)
	var nf object.DatastoreNoSuchFileError
	if errors.As(err, &nf) {
		return false, nil
	}
	return err == nil, err
}

// expectOnDatastore checks the attached disk's descriptor is (or is not)
// on the datastore.
func expectOnDatastore(h *acctest.Host, want bool) acctest.HostCheck {
	return func() error {
		got, err := datastoreHas(h, "shared/data.vmdk")
		if err == nil && got != want {
			err = fmt.Errorf("%s on the datastore: %v, want %v", attachedPath, got, want)
		}
		return err
	}
}

// expectAttachedTo checks which VM has the disk, through the API ("" for
// none of them).
func expectAttachedTo(h *acctest.Host, want string) acctest.HostCheck {
	return func() error {
		var users []string
		for _, name := range h.VMNames(context.Background()) {
			for _, d := range h.VM(context.Background(), name).Config.Hardware.Device {
				if disk, ok := d.(*vimtypes.VirtualDisk); ok {
					if b, ok := disk.Backing.(vimtypes.BaseVirtualDeviceFileBackingInfo); ok && b.GetVirtualDeviceFileBackingInfo().FileName == attachedPath {
						users = append(users, name)
					}
				}
			}
		}
		if (want == "" && len(users) > 0) || (want != "" && (len(users) != 1 || users[0] != want)) {
			return fmt.Errorf("%s is attached to %v, want %q", attachedPath, users, want)
		}
		return nil
	}
}

// TestAccVM_attachDisk attaches a ceso_virtual_disk to a VM, destroys the
// VM, finds the disk still on the datastore, and attaches it to a new VM.
// A real host's Destroy_Task deletes every disk a VM has, wherever it
// lives, and so does the simulator (see simhost's
// TestDestroyDeletesAttachedDisks): the disk survives only because ceso
// detaches it first.
func testAttachDisk(t *testing.T, opts simhost.Options, provider ...string) {
	h := acctest.StartHost(t, opts)
	base := h.ProviderConfig(append([]string{unrestricted}, provider...)...) + `
resource "ceso_virtual_disk" "data" {
  path     = "[LocalDS_0] shared/data.vmdk"
  size_gib = 2
}
`
	vmWith := func(name string, extra string) string {
		return fmt.Sprintf(`
resource "ceso_vm" %q {
  name        = %q
  guest_id    = "ubuntu64Guest"
  cpus        = 1
  memory_mb   = 512
  power_state = "off"
  disk {
    size_gb = 1
  }
%s
}
`, name, name, extra)
	}
	attach := `  disk {
    attach = true
    path   = ceso_virtual_disk.data.path
  }`
	first, second := base+vmWith("attach-1", attach), base+vmWith("attach-2", attach)
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy: func(*terraform.State) error {
			if err := expectOnDatastore(h, false)(); err != nil {
				return err
			}
			if n := h.VMNames(context.Background()); len(n) != 1 { // the template stays
				return fmt.Errorf("VMs left: %v", n)
			}
			return nil
		},
		Steps: []resource.TestStep{
			{
				Config: first,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("ceso_vm.attach-1", tfjsonpath.New("disk").AtSliceIndex(1).AtMapKey("attach"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue("ceso_vm.attach-1", tfjsonpath.New("disk").AtSliceIndex(1).AtMapKey("path"), knownvalue.StringExact(attachedPath)),
					statecheck.ExpectKnownValue("ceso_vm.attach-1", tfjsonpath.New("disk").AtSliceIndex(1).AtMapKey("size_gb"), knownvalue.Int64Exact(2)),
					statecheck.ExpectKnownValue("ceso_vm.attach-1", tfjsonpath.New("disk").AtSliceIndex(0).AtMapKey("attach"), knownvalue.Bool(false)),
					expectAttachedTo(h, "attach-1"),
				},
			},
			{Config: first, ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}},
			// Import tells an attached disk by where it lives: outside the
			// VM's folder.
			{ResourceName: "ceso_vm.attach-1", ImportState: true, ImportStateVerify: true, ImportStateVerifyIgnore: vmImportIgnore},
			{Config: first, ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}},
			{ // an attached disk takes its size from the disk
				Config:      base + vmWith("attach-1", "  disk {\n    attach  = true\n    path    = ceso_virtual_disk.data.path\n    size_gb = 2\n  }"),
				ExpectError: acctest.ErrorMatching("Not Settable With attach", "size_gb"),
			},
			{ // one VM at a time, and the refusal names the VM
				Config:      first + vmWith("attach-3", attach),
				ExpectError: acctest.ErrorMatching("Disk Attached To Another VM", "attach-1"),
			},
			{
				Config:      first + vmWith("attach-4", "  disk {\n    attach = true\n    path   = \"[LocalDS_0] shared/nothere.vmdk\"\n  }"),
				ExpectError: acctest.ErrorMatching("Disk Not Found", "nothere.vmdk"),
			},
			{ // the VM goes; the disk stays on the datastore
				Config: base,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("ceso_vm.attach-1", plancheck.ResourceActionDestroy),
					plancheck.ExpectResourceAction("ceso_virtual_disk.data", plancheck.ResourceActionNoop)}},
				ConfigStateChecks: []statecheck.StateCheck{expectOnDatastore(h, true), expectAttachedTo(h, ""), expectDisk(h, 2)},
			},
			{ // and a new VM attaches it
				Config:            second,
				ConfigStateChecks: []statecheck.StateCheck{expectAttachedTo(h, "attach-2"), expectOnDatastore(h, true)},
			},
			{Config: second, ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}},
			{ // removing the block detaches it, and deletes nothing
				Config: base + vmWith("attach-2", ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("ceso_vm.attach-2", plancheck.ResourceActionUpdate)}},
				ConfigStateChecks: []statecheck.StateCheck{expectAttachedTo(h, ""), expectOnDatastore(h, true), expectDisk(h, 2)},
			},
			{Config: second, ConfigStateChecks: []statecheck.StateCheck{expectAttachedTo(h, "attach-2")}},
			{ // ceso_virtual_disk still refuses to delete a disk a VM keeps
				Config: h.ProviderConfig(append([]string{unrestricted}, provider...)...) +
					vmWith("attach-2", "  disk {\n    attach = true\n    path   = \"[LocalDS_0] shared/data.vmdk\"\n  }"),
				ExpectError: acctest.ErrorMatching("Disk In Use", "attach-2"),
			},
			{ // a replacement detaches the disk from the old VM and attaches it to the new one
				Config: base + vmWith("attach-2", "  firmware = \"efi\"\n"+attach),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("ceso_vm.attach-2", plancheck.ResourceActionDestroyBeforeCreate)}},
				ConfigStateChecks: []statecheck.StateCheck{expectAttachedTo(h, "attach-2"), expectOnDatastore(h, true), expectDisk(h, 2)},
			},
		},
	})
}

func TestAccVM_attachDisk_ESX(t *testing.T) { testAttachDisk(t, simhost.Options{}) }

func TestAccVM_attachDisk_VCenter(t *testing.T) {
	testAttachDisk(t, simhost.Options{VCenter: true}, `datacenter = "DC0"`)
}
