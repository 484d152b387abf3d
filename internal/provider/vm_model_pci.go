package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/vm"
)

// vmPCIModel is one entry of pci_devices.
type vmPCIModel struct {
	HostID   types.String `tfsdk:"host_id"`
	VendorID types.String `tfsdk:"vendor_id"`
	DeviceID types.String `tfsdk:"device_id"`
}

var pciObjectType = types.ObjectType{AttrTypes: map[string]attr.Type{
	"host_id": types.StringType, "vendor_id": types.StringType, "device_id": types.StringType,
}}

// pciEntries reads pci_devices; known is false while any part of it is
// unknown (the plan then leaves the devices to the apply).
func (m *vmModel) pciEntries(ctx context.Context, diags *diag.Diagnostics) (entries []vmPCIModel, known bool) {
	if m.PCIDevices.IsUnknown() {
		return nil, false
	}
	if m.PCIDevices.IsNull() {
		return nil, true
	}
	diags.Append(m.PCIDevices.ElementsAs(ctx, &entries, false)...)
	for _, e := range entries {
		if e.HostID.IsUnknown() || e.VendorID.IsUnknown() || e.DeviceID.IsUnknown() {
			return nil, false
		}
	}
	return entries, true
}

// device is the entry as the domain takes it.
func (e vmPCIModel) device(i int, diags *diag.Diagnostics) vm.PCIDevice {
	d := vm.PCIDevice{HostID: e.HostID.ValueString()}
	for _, f := range []struct {
		v    types.String
		name string
		dst  *uint16
	}{{e.VendorID, "vendor_id", &d.VendorID}, {e.DeviceID, "device_id", &d.DeviceID}} {
		if f.v.IsNull() {
			continue
		}
		n, err := vm.ParseHexID(f.v.ValueString())
		if err != nil {
			diags.AddAttributeError(path.Root("pci_devices").AtListIndex(i).AtName(f.name), "Invalid PCI Id", err.Error())
		}
		*f.dst = n
	}
	return d
}

// passthroughSpec sets the spec's passthrough devices, virtual TPM and
// memory lock. A configuration without pci_devices has none: the list is
// complete, so removing the attribute removes the devices.
func (m *vmModel) passthroughSpec(ctx context.Context, s *vm.Spec, diags *diag.Diagnostics) {
	if entries, ok := m.pciEntries(ctx, diags); ok {
		s.PCIDevices = make([]vm.PCIDevice, 0, len(entries))
		for i, e := range entries {
			s.PCIDevices = append(s.PCIDevices, e.device(i, diags))
		}
	}
	s.VTPM, s.MemoryReservationLocked = knownBool(m.VTPM), knownBool(m.MemoryLocked)
}

// fillPassthrough sets the passthrough attributes from what was read. Each
// entry of pci_devices that names a device of the VM keeps its place and
// spelling (0x10DE stays 0x10DE); the VM's other passthrough devices
// follow, as the host names them, so the next plan removes them.
func (m *vmModel) fillPassthrough(ctx context.Context, st *vm.VMState, diags *diag.Diagnostics) {
	m.VTPM, m.MemoryLocked = types.BoolValue(st.VTPM), types.BoolValue(st.MemoryReservationLocked)
	prior, _ := m.pciEntries(ctx, diags)
	used := make([]bool, len(st.PCIDevices))
	out := make([]vmPCIModel, 0, len(st.PCIDevices))
	for i, e := range prior {
		var d diag.Diagnostics
		want := e.device(i, &d)
		for j, h := range st.PCIDevices {
			if !used[j] && vm.Names(want, h) {
				used[j] = true
				out = append(out, e)
				break
			}
		}
	}
	for j, h := range st.PCIDevices {
		if used[j] {
			continue
		}
		e := vmPCIModel{HostID: types.StringNull(), VendorID: types.StringNull(), DeviceID: types.StringNull()}
		if h.Dynamic {
			e.VendorID, e.DeviceID = types.StringValue(vm.HexID(h.VendorID)), types.StringValue(vm.HexID(h.DeviceID))
		} else {
			e.HostID = types.StringValue(h.HostID)
		}
		out = append(out, e)
	}
	if len(out) == 0 && m.PCIDevices.IsNull() {
		return
	}
	l, d := types.ListValueFrom(ctx, pciObjectType, out)
	diags.Append(d...)
	m.PCIDevices = l
}

// planPassthrough shows in the plan what passthrough brings with it: a VM
// getting PCI devices has its memory reserved (memory_reservation_locked_to_max
// true unless the configuration sets it), and a new VM's unset vtpm and
// memory lock are false rather than unknown.
func (r *vmResource) planPassthrough(ctx context.Context, req resource.ModifyPlanRequest, plan *vmModel, resp *resource.ModifyPlanResponse) {
	var cfgLock, cfgVTPM types.Bool
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("memory_reservation_locked_to_max"), &cfgLock)...)
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("vtpm"), &cfgVTPM)...)
	if resp.Diagnostics.HasError() {
		return
	}
	// A copy keeps its source's devices unless the configuration says.
	creating := req.State.Raw.IsNull() && plan.Template.IsNull() && plan.Backup.IsNull()
	lock, vtpm := plan.MemoryLocked, plan.VTPM
	entries, ok := plan.pciEntries(ctx, &resp.Diagnostics)
	switch {
	case !cfgLock.IsNull():
	case ok && len(entries) > 0:
		lock = types.BoolValue(true)
	case creating && ok:
		lock = types.BoolValue(false)
	}
	if creating && cfgVTPM.IsNull() {
		vtpm = types.BoolValue(false)
	}
	if lock.Equal(plan.MemoryLocked) && vtpm.Equal(plan.VTPM) {
		return
	}
	plan.MemoryLocked, plan.VTPM = lock, vtpm
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("memory_reservation_locked_to_max"), lock)...)
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("vtpm"), vtpm)...)
}

// coldDeviceNote adds, to the power-cycle error, why a passthrough or
// virtual TPM change needs the VM off.
func coldDeviceNote(up *vm.UpdatePlan) string {
	if note := vm.ColdDeviceNote(up.NeedsPowerOff); note != "" {
		return " (" + note + ": they cannot be hot-plugged.)"
	}
	return ""
}
