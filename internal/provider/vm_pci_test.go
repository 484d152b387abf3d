package provider_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/acctest"
	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
)

// passthroughModels are the simulated endpoints PCI passthrough is tested
// on, with the provider lines each needs.
var passthroughModels = []struct {
	name  string
	opts  simhost.Options
	extra []string
}{
	{"esx", simhost.Options{}, nil},
	{"vpx", simhost.Options{VCenter: true}, []string{`datacenter = "DC0"`}},
}

// expectPassthrough checks, through the API, the VM's passthrough devices
// (each "static:<id>" or "dynamic:<vendor>:<device>", in device order) and
// that its memory reservation is locked to its size.
func expectPassthrough(h *acctest.Host, name string, locked bool, want ...string) acctest.HostCheck {
	return func() error {
		c := h.VM(context.Background(), name).Config
		var got []string
		for _, d := range c.Hardware.Device {
			p, ok := d.(*types.VirtualPCIPassthrough)
			if !ok {
				continue
			}
			switch b := p.Backing.(type) {
			case *types.VirtualPCIPassthroughDeviceBackingInfo:
				if b.SystemId == "" || b.VendorId != simhost.GPUVendorID {
					return fmt.Errorf("static backing without the host's system id or vendor: %#v", b)
				}
				got = append(got, "static:"+b.Id)
			case *types.VirtualPCIPassthroughDynamicBackingInfo:
				for _, a := range b.AllowedDevice {
					got = append(got, fmt.Sprintf("dynamic:%04x:%04x", a.VendorId, a.DeviceId))
				}
			default:
				got = append(got, fmt.Sprintf("%T", p.Backing))
			}
		}
		gotLocked := c.MemoryReservationLockedToMax != nil && *c.MemoryReservationLockedToMax
		if strings.Join(got, ",") != strings.Join(want, ",") || gotLocked != locked {
			return fmt.Errorf("VM %s on the host: passthrough %v, memory locked %v; want %v, %v", name, got, gotLocked, want, locked)
		}
		return nil
	}
}

func TestAccVM_pciPassthrough(t *testing.T) {
	for _, model := range passthroughModels {
		t.Run(model.name, func(t *testing.T) {
			h := acctest.StartHost(t, model.opts)
			name := "gpu-" + model.name
			cfg := func(power, devices string) string {
				// The simulated guest has no VMware Tools to shut down
				// with: powering it off takes a hard power-off.
				force := power == "off"
				return h.ProviderConfig(append([]string{unrestricted}, model.extra...)...) + fmt.Sprintf(`
resource "ceso_vm" "gpu" {
  name            = %q
  memory_mb       = 2048
  power_state     = %q
  force_power_off = %v
  pci_devices     = [%s]
}
`, name, power, force, devices)
			}
			static := fmt.Sprintf(`{ host_id = %q }`, simhost.GPUPCIID)
			dynamic := `{ vendor_id = "0x10de", device_id = "0x1eb8" }`
			lock := tfjsonpath.New("memory_reservation_locked_to_max")
			empty := resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}
			resource.ParallelTest(t, resource.TestCase{
				PreCheck:                 func() { acctest.PreCheck(t) },
				ProtoV6ProviderFactories: acctest.ProviderFactories,
				CheckDestroy:             vmGone(h, name),
				Steps: []resource.TestStep{
					{
						Config: cfg("off", static),
						ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
							// the plan says the memory is reserved, not "known after apply"
							plancheck.ExpectKnownValue("ceso_vm.gpu", lock, knownvalue.Bool(true)),
						}},
						ConfigStateChecks: []statecheck.StateCheck{
							statecheck.ExpectKnownValue("ceso_vm.gpu", lock, knownvalue.Bool(true)),
							statecheck.ExpectKnownValue("ceso_vm.gpu", tfjsonpath.New("pci_devices").AtSliceIndex(0).AtMapKey("host_id"), knownvalue.StringExact(simhost.GPUPCIID)),
							expectPassthrough(h, name, true, "static:"+simhost.GPUPCIID),
						},
					},
					{Config: cfg("off", static), ConfigPlanChecks: empty},
					{ // swapped in place while off: the static device goes, a dynamic one comes
						Config: cfg("off", dynamic),
						ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
							plancheck.ExpectResourceAction("ceso_vm.gpu", plancheck.ResourceActionUpdate)}},
						ConfigStateChecks: []statecheck.StateCheck{expectPassthrough(h, name, true, "dynamic:10de:1eb8")},
					},
					{Config: cfg("off", dynamic), ConfigPlanChecks: empty},
					{ResourceName: "ceso_vm.gpu", ImportState: true, ImportStateVerify: true, ImportStateVerifyIgnore: append([]string{"force_power_off"}, vmImportIgnore...)},
					{ // it powers on: the host requires the reserved memory
						Config:            cfg("on", dynamic),
						ConfigStateChecks: []statecheck.StateCheck{expectPassthrough(h, name, true, "dynamic:10de:1eb8")},
					},
					{ // a running VM takes no passthrough change: refused at plan, with the reason
						Config:      cfg("on", ""),
						ExpectError: acctest.ErrorMatching("Update Needs A Power Cycle", "pci_devices", "cannot be hot-plugged"),
					},
					{ // off, the device goes; the memory stays reserved until configured otherwise
						Config:            cfg("off", ""),
						ConfigStateChecks: []statecheck.StateCheck{expectPassthrough(h, name, true)},
					},
					{Config: cfg("off", ""), ConfigPlanChecks: empty},
				},
			})
		})
	}
}

// Devices the host lacks, or cannot pass through, are refused at plan,
// naming pci_devices and listing the devices that can be used.
func TestAccVM_pciPassthroughRefused(t *testing.T) {
	for _, model := range passthroughModels {
		t.Run(model.name, func(t *testing.T) {
			h := acctest.StartHost(t, model.opts)
			cfg := func(device string) string {
				return h.ProviderConfig(append([]string{unrestricted}, model.extra...)...) + fmt.Sprintf(`
resource "ceso_vm" "gpu" {
  name        = "refused"
  power_state = "off"
  pci_devices = [%s]
}
`, device)
			}
			resource.ParallelTest(t, resource.TestCase{
				PreCheck:                 func() { acctest.PreCheck(t) },
				ProtoV6ProviderFactories: acctest.ProviderFactories,
				CheckDestroy:             vmGone(h, "refused"),
				Steps: []resource.TestStep{
					{
						Config:      cfg(`{ host_id = "0000:af:00.0" }`),
						ExpectError: acctest.ErrorMatching("No Such PCI Device", "pci_devices[0] (host_id 0000:af:00.0)", "Devices enabled for passthrough: "+simhost.GPUPCIID),
					},
					{
						Config:      cfg(fmt.Sprintf(`{ host_id = %q }`, simhost.SATAPCIID)),
						ExpectError: acctest.ErrorMatching("PCI Device Not Passthrough-Capable", "pci_devices[0]", "cannot be passed through"),
					},
					{
						Config:      cfg(`{ vendor_id = "0x8086", device_id = "0xa182" }`),
						ExpectError: acctest.ErrorMatching("PCI Device Not Passthrough-Capable", "pci_devices[0] (vendor_id 0x8086, device_id 0xa182)"),
					},
					{
						Config:      cfg(fmt.Sprintf(`{ host_id = %q, vendor_id = "0x10de" }`, simhost.GPUPCIID)),
						ExpectError: acctest.ErrorMatching("pci_devices"),
					},
				},
			})
		})
	}
}

func TestAccVM_vtpmRefusedOnStandaloneHost(t *testing.T) {
	h := acctest.StartHost(t, simhost.Options{})
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             vmGone(h, "tpm"),
		Steps: []resource.TestStep{{
			Config: h.ProviderConfig(unrestricted) + `
resource "ceso_vm" "tpm" {
  name        = "tpm"
  firmware    = "efi"
  power_state = "off"
  vtpm        = true
}
`,
			ExpectError: acctest.ErrorMatching("Virtual TPM Needs vCenter", "key provider", "remove vtpm"),
		}},
	})
}

// expectVTPM checks, through the API, whether the VM has a virtual TPM.
func expectVTPM(h *acctest.Host, name string, want bool) acctest.HostCheck {
	return func() error {
		got := false
		for _, d := range h.VM(context.Background(), name).Config.Hardware.Device {
			if _, ok := d.(*types.VirtualTPM); ok {
				got = true
			}
		}
		if got != want {
			return fmt.Errorf("VM %s on the host: vTPM %v, want %v", name, got, want)
		}
		return nil
	}
}

func TestAccVM_vtpmOnVCenter(t *testing.T) {
	h := acctest.StartHost(t, simhost.Options{VCenter: true})
	cfg := func(firmware string, vtpm bool) string {
		return h.ProviderConfig(unrestricted, `datacenter = "DC0"`) + fmt.Sprintf(`
resource "ceso_vm" "tpm" {
  name        = "tpm"
  firmware    = %q
  power_state = "off"
  vtpm        = %v
}
`, firmware, vtpm)
	}
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             vmGone(h, "tpm"),
		Steps: []resource.TestStep{
			{Config: cfg("bios", true), ExpectError: acctest.ErrorMatching("Virtual TPM Needs EFI", `firmware = "efi"`)},
			{
				Config: cfg("efi", true),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("ceso_vm.tpm", tfjsonpath.New("vtpm"), knownvalue.Bool(true)),
					expectVTPM(h, "tpm", true),
				},
			},
			{Config: cfg("efi", true), ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}},
			{ResourceName: "ceso_vm.tpm", ImportState: true, ImportStateVerify: true, ImportStateVerifyIgnore: vmImportIgnore},
			{Config: cfg("efi", false), ConfigStateChecks: []statecheck.StateCheck{expectVTPM(h, "tpm", false)}},
		},
	})
}
