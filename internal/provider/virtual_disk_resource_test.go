package provider_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/vmware/govmomi/object"
	vimtypes "github.com/vmware/govmomi/vim25/types"
	"github.com/vmware/govmomi/vmdk"

	"github.com/esxi-commander/terraform-provider-ceso/internal/acctest"
	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
)

// diskOnHost returns the capacity in GiB of the disk's descriptor on the
// simulated datastore, or -1 when neither it nor its data file is there.
func diskOnHost(h *acctest.Host, rel string) (int64, error) {
	dir, err := h.Dir()
	if err != nil {
		return 0, err
	}
	files, err := h.Files()
	if err != nil {
		return 0, err
	}
	var desc string
	for _, f := range files {
		if strings.HasSuffix(f, rel) {
			desc = f
		}
		if strings.HasSuffix(f, strings.TrimSuffix(rel, ".vmdk")+"-flat.vmdk") && desc == "" {
			desc = "flat only"
		}
	}
	switch desc {
	case "":
		return -1, nil
	case "flat only":
		return 0, fmt.Errorf("the data file of %s is on the host without its descriptor", rel)
	}
	f, err := os.Open(filepath.Join(dir, desc))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	d, err := vmdk.ParseDescriptor(f)
	if err != nil {
		return 0, err
	}
	return d.Capacity() >> 30, nil
}

func expectDisk(h *acctest.Host, gib int64) acctest.HostCheck {
	return func() error {
		got, err := diskOnHost(h, "shared/data.vmdk")
		if err == nil && got != gib {
			err = fmt.Errorf("disk on the host has %d GiB, want %d (-1: absent)", got, gib)
		}
		return err
	}
}

// attachBehind attaches the disk to a VM through the API, as an operator
// would, so the plan must refuse to delete it.
func attachBehind(t *testing.T, h *acctest.Host, vmName, diskPath string) {
	t.Helper()
	v := h.VM(context.Background(), vmName)
	devs := object.VirtualDeviceList(v.Config.Hardware.Device)
	ctrl, err := devs.FindDiskController("")
	if err != nil {
		t.Fatal(err)
	}
	disk := devs.CreateDisk(ctrl, vimtypes.ManagedObjectReference{}, diskPath)
	h.Reconfigure(context.Background(), vmName, vimtypes.VirtualMachineConfigSpec{DeviceChange: []vimtypes.BaseVirtualDeviceConfigSpec{
		&vimtypes.VirtualDeviceConfigSpec{Operation: vimtypes.VirtualDeviceConfigSpecOperationAdd, Device: disk}}})
}

// detachBehind removes the disk from the VM again, keeping its files.
func detachBehind(t *testing.T, h *acctest.Host, vmName, diskPath string) {
	t.Helper()
	v := h.VM(context.Background(), vmName)
	for _, d := range v.Config.Hardware.Device {
		disk, ok := d.(*vimtypes.VirtualDisk)
		if !ok {
			continue
		}
		if b, ok := disk.Backing.(*vimtypes.VirtualDiskFlatVer2BackingInfo); ok && b.FileName == diskPath {
			h.Reconfigure(context.Background(), vmName, vimtypes.VirtualMachineConfigSpec{DeviceChange: []vimtypes.BaseVirtualDeviceConfigSpec{
				&vimtypes.VirtualDeviceConfigSpec{Operation: vimtypes.VirtualDeviceConfigSpecOperationRemove, Device: disk}}})
			return
		}
	}
	t.Fatalf("VM %s has no disk %s", vmName, diskPath)
}

func testVirtualDisk(t *testing.T, opts simhost.Options, provider ...string) {
	h := acctest.StartHost(t, opts)
	disk := func(gib int) string {
		return h.ProviderConfig(append([]string{unrestricted}, provider...)...) + fmt.Sprintf(`
resource "ceso_virtual_disk" "data" {
  path     = "[LocalDS_0] shared/data.vmdk"
  size_gib = %d
}
`, gib)
	}
	withVM := func(gib int) string {
		return disk(gib) + `
resource "ceso_vm" "app" {
  name        = "disk-user"
  template    = "ceso-template"
  power_state = "off"
}
`
	}
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy: func(*terraform.State) error {
			return expectDisk(h, -1)()
		},
		Steps: []resource.TestStep{
			{
				Config: disk(2),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("ceso_virtual_disk.data", tfjsonpath.New("provisioning"), knownvalue.StringExact("thin")),
					expectDisk(h, 2),
				},
			},
			{Config: disk(2), ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}},
			{ // growing is in place
				Config: disk(4),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("ceso_virtual_disk.data", plancheck.ResourceActionUpdate)}},
				ConfigStateChecks: []statecheck.StateCheck{expectDisk(h, 4)},
			},
			{ResourceName: "ceso_virtual_disk.data", ImportState: true, ImportStateVerify: true, ImportStateVerifyIgnore: []string{"timeouts"}},
			{Config: disk(3), ExpectError: acctest.ErrorMatching("Cannot Shrink Disk", "has 4 GiB")},
			{Config: withVM(4)},
			{ // attached to a VM, the disk cannot be deleted
				PreConfig: func() { attachBehind(t, h, "disk-user", "[LocalDS_0] shared/data.vmdk") },
				Config: h.ProviderConfig(append([]string{unrestricted}, provider...)...) + `resource "ceso_vm" "app" {
  name        = "disk-user"
  template    = "ceso-template"
  power_state = "off"
}
`,
				ExpectError: acctest.ErrorMatching("Disk In Use", "disk-user"),
			},
			{ // detached again, the VM goes and the disk survives it
				PreConfig:         func() { detachBehind(t, h, "disk-user", "[LocalDS_0] shared/data.vmdk") },
				Config:            disk(4),
				ConfigStateChecks: []statecheck.StateCheck{expectDisk(h, 4)},
			},
		},
	})
}

func TestAccVirtualDisk_ESX(t *testing.T) { testVirtualDisk(t, simhost.Options{}) }

func TestAccVirtualDisk_VCenter(t *testing.T) {
	testVirtualDisk(t, simhost.Options{VCenter: true}, `datacenter = "DC0"`)
}
