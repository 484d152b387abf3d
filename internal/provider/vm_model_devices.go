package provider

import (
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/vm"
)

// Disk and NIC blocks between Terraform and the domain. A block is tied to
// a device by identity (a disk's controller, bus and unit; an adapter's
// MAC), never by its index: the domain says which device a block names, at
// plan time (applyPlanned), and the state is filled block by block from the
// device each one names (disksFromHost, nicsFromHost).

// diskSpecs are the declared disks; nil when there are no blocks, which
// means "leave the disks as they are" (a block list is never null in
// Terraform, so an empty one cannot mean "no disks"). An unknown unit or
// bus is "not given".
func (m *vmModel) diskSpecs() []vm.Disk {
	if len(m.Disks) == 0 {
		return nil
	}
	out := make([]vm.Disk, 0, len(m.Disks))
	for _, d := range m.Disks {
		unit, bus := int32(-1), int32(-1)
		if known(d.UnitNumber) {
			unit = toInt32(d.UnitNumber.ValueInt64())
		}
		if known(d.BusNumber) {
			bus = toInt32(d.BusNumber.ValueInt64())
		}
		if d.Attach.ValueBool() {
			// Size, provisioning and datastore are the attached disk's own:
			// the plan carries them over from the host, never to be set
			// (ValidateConfig refuses them in the configuration).
			out = append(out, vm.Disk{Attach: true, Path: d.Path.ValueString(), Controller: d.Controller.ValueString(), UnitNumber: unit, Bus: bus})
			continue
		}
		out = append(out, vm.Disk{SizeGiB: d.SizeGB.ValueInt64(), Provisioning: d.Provisioning.ValueString(),
			Controller: d.Controller.ValueString(), UnitNumber: unit, Bus: bus, Datastore: d.Datastore.ValueString(),
			KeepOnRemove: d.KeepOnRemove.ValueBool()})
	}
	return out
}

// nicSpecs are the declared adapters (nil without blocks). A MAC address,
// whether the configuration set it or the plan carried it over from the
// adapter a block names, names that adapter.
func (m *vmModel) nicSpecs() []vm.NIC {
	if len(m.NICs) == 0 {
		return nil
	}
	out := make([]vm.NIC, 0, len(m.NICs))
	for _, n := range m.NICs {
		out = append(out, vm.NIC{Network: n.Network.ValueString(), AdapterType: n.AdapterType.ValueString(), MAC: n.MACAddress.ValueString()})
	}
	return out
}

func diskModelOf(d vm.DiskState) vmDiskModel {
	return vmDiskModel{SizeGB: types.Int64Value(d.SizeGiB), Provisioning: types.StringValue(d.Provisioning),
		Controller: types.StringValue(d.Controller), BusNumber: types.Int64Value(int64(d.Bus)), UnitNumber: types.Int64Value(int64(d.UnitNumber)),
		Datastore: types.StringValue(d.Datastore), KeepOnRemove: types.BoolValue(d.KeepOnRemove), Attach: types.BoolValue(d.Attached),
		Path: types.StringValue(d.Path), Label: types.StringValue(d.Label)}
}

// disksFromHost fills the blocks from the host's disks. A block with a
// known unit takes the disk in that slot (and is dropped when the disk is
// gone, so the next plan adds it again); a block without one (a disk the
// apply added) takes the next disk no block names, in slot order, which is
// the order the domain gives new disks their units.
func disksFromHost(prior []vmDiskModel, host []vm.DiskState, appendExtra bool) []vmDiskModel {
	used := make([]bool, len(host))
	out := make([]vmDiskModel, 0, len(prior))
	var open []int // indexes in out still to fill
	for _, p := range prior {
		if p.Attach.ValueBool() && known(p.Path) { // an attached disk is its path
			for j, h := range host {
				if !used[j] && vm.SamePath(h.Path, p.Path.ValueString()) {
					used[j] = true
					out = append(out, diskModelOf(h))
					break
				}
			}
			continue
		}
		fam := p.Controller.ValueString()
		if !known(p.Controller) {
			fam = vm.ControllerSCSI
		}
		if !known(p.UnitNumber) {
			out = append(out, p)
			open = append(open, len(out)-1)
			continue
		}
		bus := int32(0)
		if known(p.BusNumber) {
			bus = toInt32(p.BusNumber.ValueInt64())
		}
		for j, h := range host {
			if !used[j] && h.Controller == fam && h.Bus == bus && h.UnitNumber == toInt32(p.UnitNumber.ValueInt64()) {
				used[j] = true
				out = append(out, diskModelOf(h))
				break
			}
		}
	}
	for _, i := range open {
		fam := out[i].Controller.ValueString()
		if !known(out[i].Controller) {
			fam = vm.ControllerSCSI
		}
		for j, h := range host {
			if !used[j] && h.Controller == fam {
				used[j] = true
				out[i] = diskModelOf(h)
				break
			}
		}
	}
	filled := out[:0]
	for _, d := range out {
		if known(d.UnitNumber) { // a new disk the host does not show is dropped
			filled = append(filled, d)
		}
	}
	if appendExtra {
		for j, h := range host {
			if !used[j] {
				filled = append(filled, diskModelOf(h))
			}
		}
	}
	return filled
}

// nicsFromHost fills the blocks from the host's adapters: a block with a
// known MAC takes that adapter; one without (an adapter the apply added)
// takes the next adapter no block names, in device order.
func nicsFromHost(prior []vmNICModel, host []vm.NICState, appendExtra bool) []vmNICModel {
	used := make([]bool, len(host))
	model := func(p vmNICModel, h vm.NICState) vmNICModel {
		n := vmNICModel{Network: types.StringValue(h.Network), AdapterType: types.StringValue(h.AdapterType), MACAddress: types.StringValue(h.MAC)}
		if known(p.Network) && samePortGroup(p.Network.ValueString(), h.Network) {
			n.Network = p.Network // keep the configured spelling (path or name) of the same network
		}
		return n
	}
	out := make([]vmNICModel, 0, len(prior))
	var open []int
	for _, p := range prior {
		if !known(p.MACAddress) || p.MACAddress.ValueString() == "" {
			out = append(out, p)
			open = append(open, len(out)-1)
			continue
		}
		for j, h := range host {
			if !used[j] && sameMAC(h.MAC, p.MACAddress.ValueString()) {
				used[j] = true
				out = append(out, model(p, h))
				break
			}
		}
	}
	for _, i := range open {
		for j, h := range host {
			if !used[j] {
				used[j] = true
				out[i] = model(out[i], h)
				break
			}
		}
	}
	filled := out[:0]
	for _, n := range out {
		if known(n.MACAddress) && n.MACAddress.ValueString() != "" {
			filled = append(filled, n)
		}
	}
	if appendExtra {
		for j, h := range host {
			if !used[j] {
				filled = append(filled, model(vmNICModel{}, h))
			}
		}
	}
	return filled
}

// applyPlanned shows, in the plan, the values the update keeps: each block
// that names an existing device gets that device's values wherever the
// configuration leaves them to the provider (unknown in the plan). Blocks
// for new devices stay unknown until the apply.
func (m *vmModel) applyPlanned(up *vm.UpdatePlan) {
	for i, pd := range up.Disks {
		if i >= len(m.Disks) || !pd.Existing {
			continue
		}
		d, host := &m.Disks[i], diskModelOf(pd.DiskState)
		setUnknown(&d.SizeGB, host.SizeGB)
		setUnknown(&d.Provisioning, host.Provisioning)
		setUnknown(&d.Controller, host.Controller)
		setUnknown(&d.BusNumber, host.BusNumber)
		setUnknown(&d.UnitNumber, host.UnitNumber)
		setUnknown(&d.Datastore, host.Datastore)
		setUnknown(&d.Path, host.Path)
		setUnknown(&d.Label, host.Label)
	}
	for i, pn := range up.NICs {
		if i >= len(m.NICs) || !pn.Existing {
			continue
		}
		setUnknown(&m.NICs[i].AdapterType, types.StringValue(pn.AdapterType))
		setUnknown(&m.NICs[i].MACAddress, types.StringValue(pn.MAC))
	}
}

// setUnknown replaces an unknown planned value with v.
func setUnknown[T attr.Value](dst *T, v T) {
	if (*dst).IsUnknown() {
		*dst = v
	}
}

// markArrivingDisks marks the attached disks that a ceso_virtual_disk of
// this plan creates: they are not on the host yet, and the apply makes
// them before the VM (the VM refers to them).
func (d *providerData) markArrivingDisks(disks []vm.Disk) {
	for i := range disks {
		if disks[i].Attach && d.isArriving(arrivingDisk, disks[i].Path) {
			disks[i].Arriving = true
		}
	}
}
