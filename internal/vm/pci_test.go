package vm_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
	"github.com/esxi-commander/terraform-provider-ceso/internal/vm"
)

func ptr[T any](v T) *T { return &v }

var (
	gpuStatic  = vm.PCIDevice{HostID: simhost.GPUPCIID}
	gpuDynamic = vm.PCIDevice{VendorID: simhost.GPUVendorID, DeviceID: simhost.GPUDeviceID}
)

// hostConfig reads the VM's devices and memory settings through the API,
// not through ceso's read.
func (e *env) hostConfig(uuid string) *types.VirtualMachineConfigInfo {
	e.t.Helper()
	st := e.read(uuid)
	c, err := e.host.Client(e.ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	var o mo.VirtualMachine
	ref := types.ManagedObjectReference{Type: "VirtualMachine", Value: st.MOID}
	if err := object.NewVirtualMachine(c.Client, ref).Properties(e.ctx, ref, []string{"config"}, &o); err != nil {
		e.t.Fatal(err)
	}
	return o.Config
}

func passthroughsOf(c *types.VirtualMachineConfigInfo) []*types.VirtualPCIPassthrough {
	var out []*types.VirtualPCIPassthrough
	for _, d := range c.Hardware.Device {
		if p, ok := d.(*types.VirtualPCIPassthrough); ok {
			out = append(out, p)
		}
	}
	return out
}

func TestPCIPassthrough(t *testing.T) {
	t.Parallel()
	for _, model := range []struct {
		name string
		opts simhost.Options
	}{{"esx", simhost.Options{}}, {"vpx", simhost.Options{VCenter: true}}} {
		t.Run(model.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, model.opts)
			spec := vm.Spec{Name: "gpu", MemoryMB: 2048, Power: vm.PowerOff, PCIDevices: []vm.PCIDevice{gpuStatic}}
			st := e.create(spec, vm.Options{})
			if len(st.PCIDevices) != 1 || st.PCIDevices[0].HostID != simhost.GPUPCIID || st.PCIDevices[0].Dynamic || !st.MemoryReservationLocked {
				t.Fatalf("state = %+v locked %v", st.PCIDevices, st.MemoryReservationLocked)
			}
			cfg := e.hostConfig(st.UUID)
			ps := passthroughsOf(cfg)
			if len(ps) != 1 {
				t.Fatalf("passthrough devices on the host: %d", len(ps))
			}
			b, ok := ps[0].Backing.(*types.VirtualPCIPassthroughDeviceBackingInfo)
			if !ok || b.Id != simhost.GPUPCIID || b.SystemId == "" || b.DeviceId != "1eb8" || b.VendorId != simhost.GPUVendorID {
				t.Fatalf("backing = %#v", ps[0].Backing)
			}
			if cfg.MemoryReservationLockedToMax == nil || !*cfg.MemoryReservationLockedToMax {
				t.Fatal("memory reservation not locked to the memory size")
			}

			// Nothing changes on a second plan.
			up, err := e.m.PlanUpdate(e.ctx, st.UUID, spec)
			if err != nil || !up.NoChange {
				t.Fatalf("second plan: %+v, %v", up, err)
			}

			// Swap the static device for a dynamic one while off.
			spec.PCIDevices = []vm.PCIDevice{gpuDynamic}
			if _, err := e.m.Update(e.ctx, st.UUID, spec, vm.Options{}); err != nil {
				t.Fatal(err)
			}
			ps = passthroughsOf(e.hostConfig(st.UUID))
			if len(ps) != 1 {
				t.Fatalf("passthrough devices after the swap: %d", len(ps))
			}
			db, ok := ps[0].Backing.(*types.VirtualPCIPassthroughDynamicBackingInfo)
			if !ok || len(db.AllowedDevice) != 1 || db.AllowedDevice[0].VendorId != simhost.GPUVendorID || db.AllowedDevice[0].DeviceId != simhost.GPUDeviceID {
				t.Fatalf("backing = %#v", ps[0].Backing)
			}

			// It powers on: the memory is reserved.
			spec.Power = vm.PowerOn
			if _, err := e.m.Update(e.ctx, st.UUID, spec, vm.Options{}); err != nil {
				t.Fatal(err)
			}
			// A running VM takes no passthrough change.
			spec.PCIDevices = []vm.PCIDevice{}
			_, err = e.m.Update(e.ctx, st.UUID, spec, vm.Options{})
			if !errors.Is(err, vm.ErrPowerCycleNeeded) || !strings.Contains(err.Error(), "cannot be added to or removed from a running VM") {
				t.Fatalf("remove while on: %v", err)
			}
			// Off, the device goes; the memory stays reserved until asked.
			spec.Power = vm.PowerOff
			if _, err := e.m.Update(e.ctx, st.UUID, spec, vm.Options{AllowForcedPowerOff: true}); err != nil {
				t.Fatal(err)
			}
			if got := e.read(st.UUID); len(got.PCIDevices) != 0 || !got.MemoryReservationLocked {
				t.Fatalf("after removal: %+v", got)
			}
			spec.MemoryReservationLocked = ptr(false)
			if _, err := e.m.Update(e.ctx, st.UUID, spec, vm.Options{}); err != nil {
				t.Fatal(err)
			}
			if got := e.read(st.UUID); got.MemoryReservationLocked {
				t.Fatal("memory reservation still locked")
			}
		})
	}
}

func TestPCIPassthroughRefusedAtPlan(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simhost.Options{})
	for _, tc := range []struct {
		name string
		dev  vm.PCIDevice
		path string
		want string
	}{
		{"unknown", vm.PCIDevice{HostID: "0000:af:00.0"}, "pci_devices[0].host_id", "has no PCI device 0000:af:00.0"},
		{"not capable", vm.PCIDevice{HostID: simhost.SATAPCIID}, "pci_devices[0].host_id", "cannot be passed through"},
		{"unknown model", vm.PCIDevice{VendorID: 0x10de, DeviceID: 0x2236}, "pci_devices[0].device_id", "no PCI device with vendor_id 0x10de and device_id 0x2236"},
		{"model not capable", vm.PCIDevice{VendorID: simhost.SATAVendorID, DeviceID: simhost.SATADeviceID}, "pci_devices[0].device_id", "cannot be passed through"},
		{"bad address", vm.PCIDevice{HostID: "3b:00.0"}, "pci_devices[0].host_id", "domain:bus:slot.function"},
		{"not enabled", vm.PCIDevice{HostID: simhost.NICPCIID}, "pci_devices[0].host_id", "not enabled for it: enable it on the host"},
		{"model not enabled", vm.PCIDevice{VendorID: simhost.NICVendorID, DeviceID: simhost.NICDeviceID}, "pci_devices[0].device_id", "not enabled for it"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := e.m.PlanCreate(e.ctx, vm.Spec{Name: "refused-" + strings.ReplaceAll(tc.name, " ", "-"), PCIDevices: []vm.PCIDevice{tc.dev}})
			fes := vm.FieldErrors(err)
			if len(fes) != 1 || fes[0].Path() != tc.path || !strings.Contains(fes[0].Detail, tc.want) {
				t.Fatalf("err = %v", err)
			}
			if !strings.Contains(tc.name, "address") && !strings.Contains(tc.name, "enabled") && !strings.Contains(fes[0].Detail, simhost.GPUPCIID) {
				t.Errorf("the error does not list the devices that can be used: %v", err)
			}
		})
	}
	// The apply refuses it too, before making anything.
	_, err := e.m.Create(e.ctx, vm.Spec{Name: "refused-apply", PCIDevices: []vm.PCIDevice{{HostID: simhost.SATAPCIID}}}, vm.Options{})
	if fes := vm.FieldErrors(err); len(fes) != 1 {
		t.Fatalf("create: %v", err)
	}
	if files := e.files("refused-apply"); len(files) > 0 {
		t.Fatalf("files left: %v", files)
	}
}

func TestVTPM(t *testing.T) {
	t.Parallel()
	t.Run("esx", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, simhost.Options{})
		err := e.m.PlanCreate(e.ctx, vm.Spec{Name: "tpm", Firmware: "efi", VTPM: ptr(true)})
		if fes := vm.FieldErrors(err); len(fes) != 1 || fes[0].Field != "vtpm" || !strings.Contains(fes[0].Detail, "key provider") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("vpx", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, simhost.Options{VCenter: true})
		err := e.m.PlanCreate(e.ctx, vm.Spec{Name: "tpm", VTPM: ptr(true)})
		if fes := vm.FieldErrors(err); len(fes) != 1 || fes[0].Field != "vtpm" || !strings.Contains(fes[0].Detail, "bios") {
			t.Fatalf("bios: %v", err)
		}
		spec := vm.Spec{Name: "tpm", Firmware: "efi", VTPM: ptr(true), Power: vm.PowerOff}
		if err := e.m.PlanCreate(e.ctx, spec); err != nil {
			t.Fatal(err)
		}
		st := e.create(spec, vm.Options{})
		if !st.VTPM {
			t.Fatal("no vTPM in the state")
		}
		n := 0
		for _, d := range e.hostConfig(st.UUID).Hardware.Device {
			if _, ok := d.(*types.VirtualTPM); ok {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("%d vTPM devices on the host", n)
		}
		spec.VTPM = ptr(false)
		if _, err := e.m.Update(e.ctx, st.UUID, spec, vm.Options{}); err != nil {
			t.Fatal(err)
		}
		if e.read(st.UUID).VTPM {
			t.Fatal("vTPM not removed")
		}
	})
	t.Run("vpx without key provider", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, simhost.Options{VCenter: true, NoKeyProvider: true})
		err := e.m.PlanCreate(e.ctx, vm.Spec{Name: "tpm", Firmware: "efi", VTPM: ptr(true)})
		if fes := vm.FieldErrors(err); len(fes) != 1 || fes[0].Field != "vtpm" || !strings.Contains(fes[0].Summary, "Key Provider") {
			t.Fatalf("err = %v", err)
		}
	})
}

// A running VM gets a GPU with a power cycle when the caller allows one:
// off, device and memory lock in one reconfigure, on again (which the
// host allows only with the memory reserved).
func TestPCIPassthroughPowerCycle(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simhost.Options{})
	spec := vm.Spec{Name: "gpu-cycle", MemoryMB: 1024}
	st := e.create(spec, vm.Options{})
	if st.Power != vm.PowerOn {
		t.Fatalf("power = %s", st.Power)
	}
	spec.PCIDevices = []vm.PCIDevice{gpuStatic}
	up, err := e.m.PlanUpdate(e.ctx, st.UUID, spec)
	if err != nil || len(up.NeedsPowerOff) != 1 || up.NeedsPowerOff[0] != "pci_devices[0]" {
		t.Fatalf("plan: %+v, %v", up, err)
	}
	res, err := e.m.Update(e.ctx, st.UUID, spec, vm.Options{AllowPowerCycle: true, AllowForcedPowerOff: true})
	if err != nil {
		t.Fatal(err)
	}
	if !res.PowerCycled || res.State.Power != vm.PowerOn || len(res.State.PCIDevices) != 1 || !res.State.MemoryReservationLocked {
		t.Fatalf("result: cycled %v, state %+v", res.PowerCycled, res.State)
	}
}
