package provider

import (
	"context"
	"fmt"
	"math"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/vm"
)

// vmModel is the ceso_vm resource's configuration and state.
type vmModel struct {
	ID            types.String `tfsdk:"id"`
	Name          types.String `tfsdk:"name"`
	Template      types.String `tfsdk:"template"`
	LinkedClone   types.Bool   `tfsdk:"linked_clone"`
	CloneSnapshot types.String `tfsdk:"clone_snapshot"`
	Backup        types.String `tfsdk:"backup"`

	Datastore    types.String `tfsdk:"datastore"`
	Folder       types.String `tfsdk:"folder"`
	Datacenter   types.String `tfsdk:"datacenter"`
	Cluster      types.String `tfsdk:"cluster"`
	ResourcePool types.String `tfsdk:"resource_pool"`
	Host         types.String `tfsdk:"host"`

	GuestID         types.String `tfsdk:"guest_id"`
	Firmware        types.String `tfsdk:"firmware"`
	HardwareVersion types.Int64  `tfsdk:"hardware_version"`
	CPUs            types.Int64  `tfsdk:"cpus"`
	CoresPerSocket  types.Int64  `tfsdk:"cores_per_socket"`
	MemoryMB        types.Int64  `tfsdk:"memory_mb"`
	CPUHotAdd       types.Bool   `tfsdk:"cpu_hot_add"`
	MemoryHotAdd    types.Bool   `tfsdk:"memory_hot_add"`
	SCSIType        types.String `tfsdk:"scsi_type"`
	CDROM           types.String `tfsdk:"cdrom"`
	NestedHV        types.Bool   `tfsdk:"nested_hv"`
	SecureBoot      types.Bool   `tfsdk:"efi_secure_boot"`
	DiskEnableUUID  types.Bool   `tfsdk:"disk_enable_uuid"`
	Notes           types.String `tfsdk:"notes"`
	PCIDevices      types.List   `tfsdk:"pci_devices"`
	VTPM            types.Bool   `tfsdk:"vtpm"`
	MemoryLocked    types.Bool   `tfsdk:"memory_reservation_locked_to_max"`

	Disks []vmDiskModel `tfsdk:"disk"`
	NICs  []vmNICModel  `tfsdk:"network_interface"`

	GuestInfo       types.Map    `tfsdk:"guestinfo"`
	ExtraConfig     types.Map    `tfsdk:"extra_config"`
	CloudinitUpdate types.String `tfsdk:"cloudinit_update"`

	PowerState      types.String `tfsdk:"power_state"`
	AllowPowerCycle types.Bool   `tfsdk:"allow_power_cycle"`
	ForcePowerOff   types.Bool   `tfsdk:"force_power_off"`
	ShutdownTimeout types.String `tfsdk:"shutdown_timeout"`
	WaitForIP       types.String `tfsdk:"wait_for_ip"`

	UUID         types.String `tfsdk:"uuid"`
	BIOSUUID     types.String `tfsdk:"bios_uuid"`
	MOID         types.String `tfsdk:"moid"`
	Path         types.String `tfsdk:"path"`
	IPAddresses  types.List   `tfsdk:"ip_addresses"`
	DefaultIP    types.String `tfsdk:"default_ip"`
	MACAddresses types.List   `tfsdk:"mac_addresses"`
	ToolsStatus  types.String `tfsdk:"tools_status"`
	IsTemplate   types.Bool   `tfsdk:"is_template"`

	Timeouts timeouts.Value `tfsdk:"timeouts"`
}

type vmDiskModel struct {
	SizeGB       types.Int64  `tfsdk:"size_gb"`
	Provisioning types.String `tfsdk:"provisioning"`
	Controller   types.String `tfsdk:"controller_type"`
	BusNumber    types.Int64  `tfsdk:"bus_number"`
	UnitNumber   types.Int64  `tfsdk:"unit_number"`
	Datastore    types.String `tfsdk:"datastore"`
	KeepOnRemove types.Bool   `tfsdk:"keep_on_remove"`
	Attach       types.Bool   `tfsdk:"attach"`
	Path         types.String `tfsdk:"path"`
	Label        types.String `tfsdk:"label"`
}

type vmNICModel struct {
	Network     types.String `tfsdk:"network"`
	AdapterType types.String `tfsdk:"adapter_type"`
	MACAddress  types.String `tfsdk:"mac_address"`
}

// known reports whether v holds a value (not null, not unknown).
func known(v interface {
	IsNull() bool
	IsUnknown() bool
}) bool {
	return !v.IsNull() && !v.IsUnknown()
}

// stringMap reads a map attribute (nil when null or unknown). Elements
// not known yet are left out, so validation can check the known ones; at
// apply every element is known.
func stringMap(_ context.Context, m types.Map, diags *diag.Diagnostics) map[string]string {
	if !known(m) {
		return nil
	}
	out := map[string]string{}
	for k, v := range m.Elements() {
		s, ok := v.(types.String)
		if !ok {
			diags.AddError("Unexpected Map Element", fmt.Sprintf("Element %q is a %T, not a string. This is a bug in the provider; please report it.", k, v))
			continue
		}
		if known(s) {
			out[k] = s.ValueString()
		}
	}
	return out
}

// spec turns the configuration into the domain's desired state. Unknown
// values are left unset (zero), which the domain reads as "not set".
func (m *vmModel) spec(ctx context.Context, diags *diag.Diagnostics) vm.Spec {
	s := vm.Spec{
		Name: m.Name.ValueString(), Template: m.Template.ValueString(), LinkedClone: m.LinkedClone.ValueBool(),
		CloneSnapshot: m.CloneSnapshot.ValueString(), Backup: m.Backup.ValueString(),
		Datastore: m.Datastore.ValueString(), Folder: m.Folder.ValueString(), Datacenter: m.Datacenter.ValueString(),
		Cluster: m.Cluster.ValueString(), ResourcePool: m.ResourcePool.ValueString(), Host: m.Host.ValueString(),
		GuestID: m.GuestID.ValueString(), Firmware: m.Firmware.ValueString(), HardwareVersion: int(m.HardwareVersion.ValueInt64()),
		CPUs: toInt32(m.CPUs.ValueInt64()), CoresPerSocket: toInt32(m.CoresPerSocket.ValueInt64()), MemoryMB: m.MemoryMB.ValueInt64(),
		SCSIType: m.SCSIType.ValueString(), Power: m.PowerState.ValueString(),
		GuestInfo: stringMap(ctx, m.GuestInfo, diags), ExtraConfig: stringMap(ctx, m.ExtraConfig, diags),
	}
	if known(m.CPUHotAdd) {
		b := m.CPUHotAdd.ValueBool()
		s.CPUHotAdd = &b
	}
	if known(m.MemoryHotAdd) {
		b := m.MemoryHotAdd.ValueBool()
		s.MemoryHotAdd = &b
	}
	if known(m.CDROM) {
		s.CDROM = &vm.CDROM{ISO: m.CDROM.ValueString()}
	}
	s.NestedHV, s.SecureBoot, s.DiskEnableUUID = knownBool(m.NestedHV), knownBool(m.SecureBoot), knownBool(m.DiskEnableUUID)
	if known(m.Notes) {
		n := m.Notes.ValueString()
		s.Notes = &n
	}
	s.Disks, s.NICs = m.diskSpecs(), m.nicSpecs()
	m.passthroughSpec(ctx, &s, diags)
	if d := parseDurationAttr(diags, m.WaitForIP.ValueString(), path.Root("wait_for_ip")); d > 0 {
		s.WaitForIP = d
	}
	return s
}

// knownBool is a known boolean's value, nil when null or unknown.
func knownBool(v types.Bool) *bool {
	if !known(v) {
		return nil
	}
	b := v.ValueBool()
	return &b
}

// toInt32 narrows a schema integer; the schema's validators keep values in
// range, and an out-of-range one saturates so domain validation reports it.
func toInt32(v int64) int32 {
	switch {
	case v > math.MaxInt32:
		return math.MaxInt32
	case v < math.MinInt32:
		return math.MinInt32
	}
	return int32(v)
}

// sameMAC compares MAC addresses whatever their case.
func sameMAC(a, b string) bool { return strings.EqualFold(a, b) }

// options are the policy decisions the configuration makes for a write.
func (m *vmModel) options(diags *diag.Diagnostics) vm.Options {
	o := vm.Options{AllowPowerCycle: m.AllowPowerCycle.ValueBool(), AllowForcedPowerOff: m.ForcePowerOff.ValueBool()}
	o.ShutdownTimeout = parseDurationAttr(diags, m.ShutdownTimeout.ValueString(), path.Root("shutdown_timeout"))
	return o
}

// fill sets the model from what was read. Lists the configuration manages
// (disks, NICs) are filled only when manage* is true: a VM created from a
// template without disk blocks keeps the template's disks without the plan
// wanting to remove them. Each block keeps its place and is filled from the
// device it names (see disksFromHost); appendExtra (a refresh) adds the
// devices no block names, so the next plan shows them as drift.
func (m *vmModel) fill(ctx context.Context, st *vm.VMState, manageDisks, manageNICs, appendExtra bool, diags *diag.Diagnostics) {
	m.ID, m.UUID, m.BIOSUUID, m.MOID = types.StringValue(st.UUID), types.StringValue(st.UUID), types.StringValue(st.BIOSUUID), types.StringValue(st.MOID)
	m.Name, m.Path = types.StringValue(st.Name), types.StringValue(st.Path)
	m.Folder, m.Datastore = types.StringValue(st.Folder), types.StringValue(st.Datastore)
	// Refreshed: a vMotion (DRS, an administrator, a relocate) moves it.
	m.Host = types.StringValue(st.Host)
	m.GuestID, m.Firmware, m.HardwareVersion = types.StringValue(st.GuestID), types.StringValue(st.Firmware), types.Int64Value(int64(st.HardwareVersion))
	m.CPUs, m.CoresPerSocket, m.MemoryMB = types.Int64Value(int64(st.CPUs)), types.Int64Value(int64(st.CoresPerSocket)), types.Int64Value(st.MemoryMB)
	m.CPUHotAdd, m.MemoryHotAdd, m.SCSIType = types.BoolValue(st.CPUHotAdd), types.BoolValue(st.MemoryHotAdd), types.StringValue(st.SCSIType)
	m.CDROM = types.StringValue(st.CDROM)
	m.NestedHV, m.SecureBoot, m.DiskEnableUUID = types.BoolValue(st.NestedHV), types.BoolValue(st.SecureBoot), types.BoolValue(st.DiskEnableUUID)
	m.Notes = types.StringValue(st.Notes)
	m.PowerState, m.ToolsStatus, m.DefaultIP = types.StringValue(st.Power), types.StringValue(st.ToolsStatus), types.StringValue(st.DefaultIP)
	m.IsTemplate = types.BoolValue(st.IsTemplate)
	var d diag.Diagnostics
	m.IPAddresses, d = types.ListValueFrom(ctx, types.StringType, nonNil(st.IPAddresses))
	diags.Append(d...)
	macs := make([]string, 0, len(st.NICs))
	for _, n := range st.NICs {
		macs = append(macs, n.MAC)
	}
	m.MACAddresses, d = types.ListValueFrom(ctx, types.StringType, macs)
	diags.Append(d...)
	m.GuestInfo = managedMap(ctx, m.GuestInfo, st.GuestInfo, diags)
	m.ExtraConfig = managedMap(ctx, m.ExtraConfig, st.ExtraConfig, diags)

	m.fillPassthrough(ctx, st, diags)
	if manageDisks {
		m.Disks = disksFromHost(m.Disks, st.Disks, appendExtra)
	}
	if manageNICs {
		m.NICs = nicsFromHost(m.NICs, st.NICs, appendExtra)
	}
}

// samePortGroup reports whether a configured network (name or inventory
// path) names the network read back by name.
func samePortGroup(configured, name string) bool {
	return configured == name || len(configured) > len(name) && configured[len(configured)-len(name)-1:] == "/"+name
}

// managedMap reads back only the keys the configuration manages, so keys
// written by the guest or other tools cause no drift. With no prior map
// (import), it reports every key the domain returned.
func managedMap(ctx context.Context, prior types.Map, read map[string]string, diags *diag.Diagnostics) types.Map {
	if prior.IsNull() && len(read) == 0 {
		return prior
	}
	want := stringMap(ctx, prior, diags)
	out := map[string]string{}
	for k, v := range read {
		if want == nil {
			out[k] = v
			continue
		}
		if _, ok := want[k]; ok {
			out[k] = v
		}
	}
	if prior.IsNull() && len(out) == 0 {
		return prior
	}
	m, d := types.MapValueFrom(ctx, types.StringType, out)
	diags.Append(d...)
	return m
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// readKeys are the guestinfo / extra-config keys the configuration names,
// for Read to report besides the ones ceso already manages, and the
// spellings of folder, datastore and host to keep.
func (m *vmModel) readKeys(ctx context.Context, diags *diag.Diagnostics) vm.ReadOptions {
	ro := vm.ReadOptions{Folder: m.Folder.ValueString(), Datastore: m.Datastore.ValueString(), Host: m.Host.ValueString()}
	for _, mp := range []types.Map{m.GuestInfo, m.ExtraConfig} {
		for k := range stringMap(ctx, mp, diags) {
			ro.Keys = append(ro.Keys, k)
		}
	}
	return ro
}
