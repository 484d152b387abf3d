package simhost

import (
	"fmt"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// PCI devices every simulated host has, besides the simulator's own
// chipset devices (none of which it reports as passthrough-capable): a GPU
// enabled for passthrough, a SATA controller that cannot be passed
// through, and a network card that could be but is not enabled for it. The
// simulator's hosts have no PCI passthrough information at all.
const (
	GPUPCIID    = "0000:3b:00.0"
	GPUVendorID = 0x10de // NVIDIA
	GPUDeviceID = 0x1eb8 // Tesla T4
	GPUName     = "TU104GL [Tesla T4]"

	SATAPCIID    = "0000:00:17.0"
	SATAVendorID = 0x8086 // Intel: above 0x7fff, so negative in the API's int16
	SATADeviceID = 0xa182

	NICPCIID    = "0000:18:00.0"
	NICVendorID = 0x8086 // Intel
	NICDeviceID = 0x1572 // X710
)

// addPCIDevices gives every host the two devices and their passthrough
// information.
func addPCIDevices(m *simulator.Model) {
	for _, e := range m.Map().All("HostSystem") {
		hs, ok := e.(*simulator.HostSystem)
		if !ok || hs.Hardware == nil || hs.Config == nil {
			continue
		}
		hw := *hs.Hardware // the simulator shares the device slice between hosts
		hw.PciDevice = append(append([]types.HostPciDevice(nil), hw.PciDevice...),
			types.HostPciDevice{Id: GPUPCIID, ClassId: 0x0302, Bus: 0x3b, VendorId: GPUVendorID, VendorName: "NVIDIA Corporation",
				DeviceId: GPUDeviceID, DeviceName: GPUName, SubVendorId: GPUVendorID, SubDeviceId: 0x12a2},
			types.HostPciDevice{Id: SATAPCIID, ClassId: 0x0106, Slot: 0x17, VendorId: wsdlID(SATAVendorID), VendorName: "Intel Corporation",
				DeviceId: wsdlID(SATADeviceID), DeviceName: "Lewisburg SATA Controller [AHCI mode]"},
			types.HostPciDevice{Id: NICPCIID, ClassId: 0x0200, Bus: 0x18, VendorId: wsdlID(NICVendorID), VendorName: "Intel Corporation",
				DeviceId: NICDeviceID, DeviceName: "Ethernet Controller X710 for 10GbE SFP+"})
		hs.Hardware = &hw
		hs.Config.PciPassthruInfo = []types.BaseHostPciPassthruInfo{
			&types.HostPciPassthruInfo{Id: GPUPCIID, DependentDevice: GPUPCIID, PassthruEnabled: true, PassthruCapable: true, PassthruActive: true},
			&types.HostPciPassthruInfo{Id: SATAPCIID, DependentDevice: SATAPCIID},
			&types.HostPciPassthruInfo{Id: NICPCIID, DependentDevice: NICPCIID, PassthruCapable: true},
		}
	}
}

// wsdlID is a PCI id as the API carries it: an unsigned short in a signed
// one (two's complement above 0x7fff).
func wsdlID(v uint16) int16 { return int16(v) } //nolint:gosec // G115: the wrap-around is the API's encoding.

// apiID is a host's PCI id (int16, two's complement) as the int32 the
// dynamic passthrough types carry.
func apiID(v int16) int32 { return int32(uint16(v)) } //nolint:gosec // G115: the wrap-around is the API's encoding.

// passthruEnabled returns the host's PCI device with the id when it is
// enabled for passthrough.
func passthruEnabled(hs *simulator.HostSystem, match func(types.HostPciDevice) bool) (types.HostPciDevice, bool) {
	enabled := map[string]bool{}
	for _, p := range hs.Config.PciPassthruInfo {
		if i := p.GetHostPciPassthruInfo(); i.PassthruEnabled && i.PassthruCapable {
			enabled[i.Id] = true
		}
	}
	for _, d := range hs.Hardware.PciDevice {
		if enabled[d.Id] && match(d) {
			return d, true
		}
	}
	return types.HostPciDevice{}, false
}

// envExt adds the host's passthrough devices to QueryConfigTarget, which
// the simulator answers without them: pciPassthrough lists the devices
// enabled for passthrough, with the host's system id a static backing must
// carry, and dynamicPassthrough the same devices by vendor and device id.
type envExt struct {
	*simulator.EnvironmentBrowser
}

func (b *envExt) QueryConfigTarget(ctx *simulator.Context, req *types.QueryConfigTarget) soap.HasFault {
	body, ok := b.EnvironmentBrowser.QueryConfigTarget(ctx, req).(*methods.QueryConfigTargetBody)
	if !ok || body.Res == nil || body.Res.Returnval == nil || req.Host == nil {
		return body
	}
	hs, ok := ctx.Map.Get(*req.Host).(*simulator.HostSystem)
	if !ok {
		return body
	}
	target := *body.Res.Returnval // the simulator may hand out a shared value
	target.PciPassthrough, target.DynamicPassthrough = nil, nil
	ctx.WithLock(hs, func() {
		for _, p := range hs.Config.PciPassthruInfo {
			i := p.GetHostPciPassthruInfo()
			d, ok := passthruEnabled(hs, func(d types.HostPciDevice) bool { return d.Id == i.Id })
			if !ok {
				continue
			}
			target.PciPassthrough = append(target.PciPassthrough, &types.VirtualMachinePciPassthroughInfo{
				VirtualMachineTargetInfo: types.VirtualMachineTargetInfo{Name: d.DeviceName},
				PciDevice:                d, SystemId: systemID(hs)})
			target.DynamicPassthrough = append(target.DynamicPassthrough, types.VirtualMachineDynamicPassthroughInfo{
				VirtualMachineTargetInfo: types.VirtualMachineTargetInfo{Name: d.DeviceName},
				VendorName:               d.VendorName, DeviceName: d.DeviceName,
				VendorId: apiID(d.VendorId), DeviceId: apiID(d.DeviceId)})
		}
	})
	body.Res.Returnval = &target
	return body
}

// systemID is what a simulated host reports as the system id of its
// passthrough devices.
func systemID(hs *simulator.HostSystem) string { return hs.Hardware.SystemInfo.Uuid }

// Strict rule: a passthrough device or a virtual TPM is added only as a
// real host allows it.
//
// A real host refuses to add or remove a PCI passthrough device or a
// virtual TPM while the VM is powered on (neither can be hot-plugged);
// refuses a static passthrough backing whose id and system id are not a
// device of the VM's host enabled for passthrough, and a dynamic one that
// allows no such device; and a standalone ESXi host cannot add a virtual
// TPM, which needs vCenter with a key provider and EFI firmware. The
// simulator adds whatever device it is given.
func (h *Host) deviceRule(ctx *simulator.Context, m *simulator.Method) types.BaseMethodFault {
	var spec *types.VirtualMachineConfigSpec
	var vm *simulator.VirtualMachine
	var host *simulator.HostSystem
	switch req := m.Body.(type) {
	case *types.ReconfigVM_Task:
		spec = &req.Spec
		vm, _ = ctx.Map.Get(m.This).(*simulator.VirtualMachine)
		if vm == nil {
			return nil
		}
		ctx.WithLock(vm, func() {
			if vm.Runtime.Host != nil {
				host, _ = ctx.Map.Get(*vm.Runtime.Host).(*simulator.HostSystem)
			}
		})
	case *types.CreateVM_Task:
		spec = &req.Config
		if req.Host != nil { // else the backing is checked when the VM powers on, as on a real host
			host, _ = ctx.Map.Get(*req.Host).(*simulator.HostSystem)
		}
	default:
		return nil
	}
	on, firmware := false, spec.Firmware
	if vm != nil {
		ctx.WithLock(vm, func() {
			on = vm.Runtime.PowerState == types.VirtualMachinePowerStatePoweredOn
			if firmware == "" && vm.Config != nil {
				firmware = vm.Config.Firmware
			}
		})
	}
	for _, c := range spec.DeviceChange {
		dc := c.GetVirtualDeviceConfigSpec()
		op := dc.Operation
		if op != types.VirtualDeviceConfigSpecOperationAdd && op != types.VirtualDeviceConfigSpecOperationRemove {
			continue
		}
		switch d := dc.Device.(type) {
		case *types.VirtualPCIPassthrough:
			if on {
				return hotPlugFault(d.GetVirtualDevice())
			}
			if op == types.VirtualDeviceConfigSpecOperationAdd && host != nil {
				if f := passthroughBackingFault(ctx, host, d); f != nil {
					return f
				}
			}
		case *types.VirtualTPM:
			if on {
				return hotPlugFault(d.GetVirtualDevice())
			}
			if op != types.VirtualDeviceConfigSpecOperationAdd {
				continue
			}
			if !h.Options.VCenter {
				return &types.NotSupported{RuntimeFault: types.RuntimeFault{MethodFault: types.MethodFault{FaultMessage: []types.LocalizableMessage{{
					Key: "msg.vtpm.standalone", Message: "A virtual TPM needs vCenter Server with a key provider; a standalone host cannot add one"}}}}}
			}
			if firmware != string(types.GuestOsDescriptorFirmwareTypeEfi) {
				return &types.InvalidDeviceSpec{InvalidVmConfig: types.InvalidVmConfig{Property: "virtualDeviceSpec.device.vtpm",
					VmConfigFault: types.VmConfigFault{VimFault: types.VimFault{MethodFault: types.MethodFault{FaultMessage: []types.LocalizableMessage{{
						Key: "msg.vtpm.efi", Message: "A virtual TPM needs EFI firmware"}}}}}}}
			}
			if !h.hasKeyProvider(ctx) {
				return &types.InvalidState{VimFault: types.VimFault{MethodFault: types.MethodFault{FaultMessage: []types.LocalizableMessage{{
					Key: "msg.vtpm.keyprovider", Message: "A virtual TPM needs a default key provider; none is configured"}}}}}
			}
		}
	}
	return nil
}

func hotPlugFault(d *types.VirtualDevice) types.BaseMethodFault {
	label := ""
	if d.DeviceInfo != nil {
		label = d.DeviceInfo.GetDescription().Label
	}
	return &types.DeviceHotPlugNotSupported{InvalidDeviceSpec: types.InvalidDeviceSpec{InvalidVmConfig: types.InvalidVmConfig{
		VmConfigFault: types.VmConfigFault{VimFault: types.VimFault{MethodFault: types.MethodFault{FaultMessage: []types.LocalizableMessage{{
			Key: "msg.device.hotplug", Message: fmt.Sprintf("The device %s cannot be added or removed while the virtual machine is powered on", label)}}}}}}}}
}

func passthroughBackingFault(ctx *simulator.Context, hs *simulator.HostSystem, d *types.VirtualPCIPassthrough) types.BaseMethodFault {
	bad := func(msg string) types.BaseMethodFault {
		return &types.InvalidDeviceBacking{InvalidDeviceSpec: types.InvalidDeviceSpec{InvalidVmConfig: types.InvalidVmConfig{
			VmConfigFault: types.VmConfigFault{VimFault: types.VimFault{MethodFault: types.MethodFault{FaultMessage: []types.LocalizableMessage{{
				Key: "msg.pciPassthru.backing", Message: msg}}}}}}}}
	}
	var fault types.BaseMethodFault
	ctx.WithLock(hs, func() {
		switch b := d.Backing.(type) {
		case *types.VirtualPCIPassthroughDeviceBackingInfo:
			if _, ok := passthruEnabled(hs, func(p types.HostPciDevice) bool { return p.Id == b.Id }); !ok {
				fault = bad(fmt.Sprintf("PCI device %s of host %s is not available for passthrough", b.Id, hs.Name))
			} else if b.SystemId != systemID(hs) {
				fault = bad(fmt.Sprintf("PCI device %s: system id %q is not host %s's", b.Id, b.SystemId, hs.Name))
			}
		case *types.VirtualPCIPassthroughDynamicBackingInfo:
			_, ok := passthruEnabled(hs, func(p types.HostPciDevice) bool {
				for _, a := range b.AllowedDevice {
					if a.VendorId == apiID(p.VendorId) && a.DeviceId == apiID(p.DeviceId) {
						return true
					}
				}
				return false
			})
			if !ok {
				fault = bad(fmt.Sprintf("no device of host %s enabled for passthrough matches the dynamic passthrough device", hs.Name))
			}
		default:
			fault = bad(fmt.Sprintf("unsupported passthrough backing %T", d.Backing))
		}
	})
	return fault
}

// Strict rule: a VM with a passthrough device powers on only with all its
// memory reserved.
//
// A real host refuses the power-on ("Invalid memory setting: memory
// reservation (sched.mem.min) should be equal to memsize") unless
// memoryReservationLockedToMax is set or the reservation equals the
// memory size: a passthrough device reads and writes guest memory directly,
// so none of it may be swapped or ballooned. The simulator powers it on.
func passthroughPowerRule(ctx *simulator.Context, m *simulator.Method) types.BaseMethodFault {
	if _, ok := m.Body.(*types.PowerOnVM_Task); !ok {
		return nil
	}
	vm, ok := ctx.Map.Get(m.This).(*simulator.VirtualMachine)
	if !ok {
		return nil
	}
	var fault types.BaseMethodFault
	ctx.WithLock(vm, func() {
		if vm.Config == nil {
			return
		}
		has := false
		for _, d := range vm.Config.Hardware.Device {
			if _, ok := d.(*types.VirtualPCIPassthrough); ok {
				has = true
			}
		}
		locked := vm.Config.MemoryReservationLockedToMax != nil && *vm.Config.MemoryReservationLockedToMax
		full := vm.Config.MemoryAllocation != nil && vm.Config.MemoryAllocation.Reservation != nil &&
			*vm.Config.MemoryAllocation.Reservation >= int64(vm.Config.Hardware.MemoryMB)
		if has && !locked && !full {
			fault = &types.InvalidArgument{InvalidProperty: "sched.mem.min", RuntimeFault: types.RuntimeFault{MethodFault: types.MethodFault{FaultMessage: []types.LocalizableMessage{{
				Key: "msg.vmx.pciPassthru.memReservation", Message: fmt.Sprintf("Invalid memory setting: memory reservation (sched.mem.min) should be equal to memsize(%d)", vm.Config.Hardware.MemoryMB)}}}}}
		}
	})
	return fault
}

// KeyProviderID is the native key provider a simulated vCenter has as its
// default (Options.NoKeyProvider leaves it out).
const KeyProviderID = "ceso-native-key-provider"

// addKeyProvider registers a default native key provider on a vCenter
// model, as a vCenter that gives VMs a virtual TPM has.
func addKeyProvider(m *simulator.Model) {
	for _, e := range m.Map().AllReference("CryptoManagerKmip") {
		if c, ok := e.(*simulator.CryptoManagerKmip); ok {
			c.KmipServers = append(c.KmipServers, types.KmipClusterInfo{ClusterId: types.KeyProviderId{Id: KeyProviderID},
				UseAsDefault: true, ManagementType: string(types.KmipClusterInfoKmsManagementTypeNativeProvider)})
		}
	}
}

func (h *Host) hasKeyProvider(ctx *simulator.Context) bool {
	for _, e := range ctx.Map.AllReference("CryptoManagerKmip") {
		if c, ok := e.(*simulator.CryptoManagerKmip); ok {
			for _, s := range c.KmipServers {
				if s.UseAsDefault {
					return true
				}
			}
		}
	}
	return false
}
