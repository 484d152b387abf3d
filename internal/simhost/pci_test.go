package simhost_test

import (
	"context"
	"strings"
	"testing"

	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
)

func static(id, systemID string) *types.VirtualPCIPassthrough {
	return &types.VirtualPCIPassthrough{VirtualDevice: types.VirtualDevice{Key: -1, Backing: &types.VirtualPCIPassthroughDeviceBackingInfo{
		Id: id, DeviceId: "1eb8", SystemId: systemID, VendorId: simhost.GPUVendorID}}}
}

func addDevice(ctx context.Context, vm *object.VirtualMachine, d types.BaseVirtualDevice, locked bool) error {
	spec := types.VirtualMachineConfigSpec{DeviceChange: []types.BaseVirtualDeviceConfigSpec{
		&types.VirtualDeviceConfigSpec{Operation: types.VirtualDeviceConfigSpecOperationAdd, Device: d}}}
	if locked {
		spec.MemoryReservationLockedToMax = types.NewBool(true)
	}
	task, err := vm.Reconfigure(ctx, spec)
	if err != nil {
		return err
	}
	return task.Wait(ctx)
}

// The host has a GPU enabled for passthrough and a SATA controller that
// cannot be passed through; a passthrough device is added only when the
// host has it enabled, with the host's system id, and only while the VM is
// off; the VM powers on only with all its memory reserved; a virtual TPM
// cannot be added on a standalone host.
func TestPassthroughRules(t *testing.T) {
	t.Parallel()
	_, c := started(t, simhost.Options{})
	ctx := context.Background()
	finder := find.NewFinder(c.Client)
	hs, err := finder.DefaultHostSystem(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var host mo.HostSystem
	if err := hs.Properties(ctx, hs.Reference(), []string{"hardware", "config.pciPassthruInfo"}, &host); err != nil {
		t.Fatal(err)
	}
	sys := host.Hardware.SystemInfo.Uuid
	capable := map[string]bool{}
	for _, p := range host.Config.PciPassthruInfo {
		capable[p.GetHostPciPassthruInfo().Id] = p.GetHostPciPassthruInfo().PassthruCapable
	}
	if !capable[simhost.GPUPCIID] || capable[simhost.SATAPCIID] || !capable[simhost.NICPCIID] {
		t.Fatalf("passthrough info = %v", capable)
	}
	vm, err := finder.VirtualMachine(ctx, simhost.TemplateName)
	if err != nil {
		t.Fatal(err)
	}
	for name, d := range map[string]types.BaseVirtualDevice{
		"unknown device":     static("0000:af:00.0", sys),
		"not capable":        static(simhost.SATAPCIID, sys),
		"not enabled":        static(simhost.NICPCIID, sys),
		"wrong system id":    static(simhost.GPUPCIID, "other"),
		"unknown model":      &types.VirtualPCIPassthrough{VirtualDevice: types.VirtualDevice{Key: -1, Backing: &types.VirtualPCIPassthroughDynamicBackingInfo{AllowedDevice: []types.VirtualPCIPassthroughAllowedDevice{{VendorId: 1, DeviceId: 2}}}}},
		"vtpm on standalone": &types.VirtualTPM{VirtualDevice: types.VirtualDevice{Key: -1}},
	} {
		if err := addDevice(ctx, vm, d, true); err == nil {
			t.Errorf("%s: added", name)
		}
	}
	// Added without the memory lock, the GPU keeps the VM from powering on.
	if err := addDevice(ctx, vm, static(simhost.GPUPCIID, sys), false); err != nil {
		t.Fatal(err)
	}
	task, err := vm.PowerOn(ctx)
	if err == nil {
		err = task.Wait(ctx)
	}
	if err == nil || !strings.Contains(err.Error(), "InvalidArgument") {
		t.Fatalf("power on without reservation: %v", err)
	}
	task, err = vm.Reconfigure(ctx, types.VirtualMachineConfigSpec{MemoryReservationLockedToMax: types.NewBool(true)})
	if err == nil {
		err = task.Wait(ctx)
	}
	if err != nil {
		t.Fatal(err)
	}
	if task, err = vm.PowerOn(ctx); err == nil {
		err = task.Wait(ctx)
	}
	if err != nil {
		t.Fatalf("power on with reservation: %v", err)
	}
	if err := addDevice(ctx, vm, &types.VirtualPCIPassthrough{VirtualDevice: types.VirtualDevice{Key: -1, Backing: &types.VirtualPCIPassthroughDynamicBackingInfo{
		AllowedDevice: []types.VirtualPCIPassthroughAllowedDevice{{VendorId: simhost.GPUVendorID, DeviceId: simhost.GPUDeviceID}}}}}, true); err == nil ||
		!strings.Contains(err.Error(), "DeviceHotPlugNotSupported") {
		t.Fatalf("hot-add: %v", err)
	}
}
