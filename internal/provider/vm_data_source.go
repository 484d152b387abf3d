package provider

import (
	"context"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/datasourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	vimtypes "github.com/vmware/govmomi/vim25/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/esxi"
)

var (
	_ datasource.DataSourceWithConfigure        = (*vmDataSource)(nil)
	_ datasource.DataSourceWithConfigValidators = (*vmDataSource)(nil)
	_ datasource.DataSourceWithConfigure        = (*vmsDataSource)(nil)
)

// NewVMDataSource returns the ceso_vm data source.
func NewVMDataSource() datasource.DataSource { return &vmDataSource{} }

// NewVMsDataSource returns the ceso_vms data source.
func NewVMsDataSource() datasource.DataSource { return &vmsDataSource{} }

type vmDataSource struct{ dataSourceData }
type vmsDataSource struct{ dataSourceData }

// TemplateMarkerKey marks a VM as a ceso template on a standalone host, where
// VMware's template flag needs vCenter.
const TemplateMarkerKey = "ceso.template"

// powerWord maps VMware power states to the words ceso's schemas use.
func powerWord(s string) string {
	switch s {
	case string(vimtypes.VirtualMachinePowerStatePoweredOn):
		return "on"
	case string(vimtypes.VirtualMachinePowerStatePoweredOff):
		return "off"
	case string(vimtypes.VirtualMachinePowerStateSuspended):
		return "suspended"
	}
	return s
}

func isTemplate(vm esxi.VM) bool {
	return vm.Template || strings.EqualFold(vm.ExtraConfig[TemplateMarkerKey], "true")
}

type vmSummary struct {
	UUID        types.String   `tfsdk:"uuid"`
	MOID        types.String   `tfsdk:"moid"`
	Name        types.String   `tfsdk:"name"`
	Path        types.String   `tfsdk:"path"`
	Folder      types.String   `tfsdk:"folder"`
	Datacenter  types.String   `tfsdk:"datacenter"`
	PowerState  types.String   `tfsdk:"power_state"`
	CPUs        types.Int64    `tfsdk:"cpus"`
	MemoryMB    types.Int64    `tfsdk:"memory_mb"`
	GuestID     types.String   `tfsdk:"guest_id"`
	GuestOS     types.String   `tfsdk:"guest_os"`
	IPAddresses []types.String `tfsdk:"ip_addresses"`
	IsTemplate  types.Bool     `tfsdk:"is_template"`
}

func newVMSummary(vm esxi.VM) vmSummary {
	return vmSummary{UUID: types.StringValue(vm.UUID), MOID: types.StringValue(vm.Ref.Value), Name: types.StringValue(vm.Name),
		Path: types.StringValue(vm.Path), Folder: types.StringValue(vm.Folder), Datacenter: types.StringValue(vm.Datacenter),
		PowerState: types.StringValue(powerWord(vm.PowerState)), CPUs: types.Int64Value(int64(vm.CPUs)),
		MemoryMB: types.Int64Value(int64(vm.MemoryMB)), GuestID: types.StringValue(vm.GuestID), GuestOS: types.StringValue(vm.GuestFullName),
		IPAddresses: stringList(vm.IPAddresses), IsTemplate: types.BoolValue(isTemplate(vm))}
}

func vmSummaryAttributes() map[string]schema.Attribute {
	s := func(d string) schema.StringAttribute {
		return schema.StringAttribute{Computed: true, MarkdownDescription: d}
	}
	return map[string]schema.Attribute{
		"uuid":         s("Instance UUID: ceso's identity for a VM."),
		"moid":         s("Managed object ID."),
		"name":         s("VM name."),
		"path":         s("Inventory path."),
		"folder":       s("Inventory path of the VM's folder."),
		"datacenter":   s("Datacenter of the VM."),
		"power_state":  s("`on`, `off` or `suspended`."),
		"cpus":         schema.Int64Attribute{Computed: true, MarkdownDescription: "Virtual CPUs."},
		"memory_mb":    schema.Int64Attribute{Computed: true, MarkdownDescription: "Memory in MiB."},
		"guest_id":     s("Guest OS identifier, e.g. `ubuntu64Guest`."),
		"guest_os":     s("Guest OS full name."),
		"ip_addresses": schema.ListAttribute{Computed: true, ElementType: types.StringType, MarkdownDescription: "IP addresses reported by VMware Tools."},
		"is_template":  schema.BoolAttribute{Computed: true, MarkdownDescription: "Whether the VM is a template (vCenter template flag, or the `ceso.template` marker on a standalone host)."},
	}
}

type vmsModel struct {
	Datacenter       types.String `tfsdk:"datacenter"`
	NameRegex        types.String `tfsdk:"name_regex"`
	PowerState       types.String `tfsdk:"power_state"`
	Folder           types.String `tfsdk:"folder"`
	IncludeTemplates types.Bool   `tfsdk:"include_templates"`
	VMs              []vmSummary  `tfsdk:"vms"`
}

func (d *vmsDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_vms"
}

func (d *vmsDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists VMs with filters. All VMs are read in one batched call, however many there are.",
		Attributes: map[string]schema.Attribute{
			"datacenter": schema.StringAttribute{Optional: true, MarkdownDescription: "Only VMs of this datacenter (vCenter; default: the provider's `datacenter`)."},
			"name_regex": schema.StringAttribute{Optional: true, MarkdownDescription: "Only VMs whose name matches this regular expression (RE2)."},
			"power_state": schema.StringAttribute{Optional: true, MarkdownDescription: "Only VMs in this power state: `on`, `off` or `suspended`.",
				Validators: []validator.String{stringvalidator.OneOf("on", "off", "suspended")}},
			"folder":            schema.StringAttribute{Optional: true, MarkdownDescription: "Only VMs in this folder or below it: an inventory path such as `/dc1/vm/web`."},
			"include_templates": schema.BoolAttribute{Optional: true, MarkdownDescription: "Include templates (default `true`)."},
			"vms": schema.ListNestedAttribute{Computed: true, MarkdownDescription: "The matching VMs, sorted by path.",
				NestedObject: schema.NestedAttributeObject{Attributes: vmSummaryAttributes()}},
		},
	}
}

func (d *vmsDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m vmsModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	re := compileRegex(m.NameRegex, "name_regex", &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	snap := d.data.snapshot(ctx, &resp.Diagnostics, "ceso_vms")
	if snap == nil {
		return
	}
	dc := d.data.datacenterScope(m.Datacenter)
	folder := strings.TrimSuffix(m.Folder.ValueString(), "/")
	withTemplates := m.IncludeTemplates.IsNull() || m.IncludeTemplates.ValueBool()
	m.VMs = []vmSummary{}
	for _, vm := range snap.VMs {
		switch {
		case !inScope(vm.Datacenter, dc), !matches(re, vm.Name),
			!m.PowerState.IsNull() && powerWord(vm.PowerState) != m.PowerState.ValueString(),
			folder != "" && vm.Folder != folder && !strings.HasPrefix(vm.Folder, folder+"/"),
			!withTemplates && isTemplate(vm):
			continue
		}
		m.VMs = append(m.VMs, newVMSummary(vm))
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

type vmLookupModel struct {
	vmSummary
	Host         types.String      `tfsdk:"host"`
	Datastores   []types.String    `tfsdk:"datastores"`
	Networks     []types.String    `tfsdk:"networks"`
	DefaultIP    types.String      `tfsdk:"default_ip"`
	ToolsStatus  types.String      `tfsdk:"tools_status"`
	Firmware     types.String      `tfsdk:"firmware"`
	HWVersion    types.String      `tfsdk:"hardware_version"`
	Annotation   types.String      `tfsdk:"annotation"`
	HasSnapshots types.Bool        `tfsdk:"has_snapshots"`
	Snapshots    []vmSnapshotModel `tfsdk:"snapshots"`
}

func (d *vmDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_vm"
}

func (d *vmDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	a := vmSummaryAttributes()
	a["name"] = schema.StringAttribute{Optional: true, Computed: true, MarkdownDescription: "Find the VM by name (must be unique; use `path` otherwise)."}
	a["uuid"] = schema.StringAttribute{Optional: true, Computed: true, MarkdownDescription: "Find the VM by instance (or BIOS) UUID."}
	a["path"] = schema.StringAttribute{Optional: true, Computed: true, MarkdownDescription: "Find the VM by inventory path, e.g. `/ha-datacenter/vm/web01`."}
	a["datacenter"] = schema.StringAttribute{Optional: true, Computed: true, MarkdownDescription: "Datacenter to search on vCenter (default: the provider's `datacenter`)."}
	s := func(d string) schema.StringAttribute {
		return schema.StringAttribute{Computed: true, MarkdownDescription: d}
	}
	a["host"] = s("Name of the host the VM runs on.")
	a["datastores"] = schema.ListAttribute{Computed: true, ElementType: types.StringType, MarkdownDescription: "Datastores holding the VM's files."}
	a["networks"] = schema.ListAttribute{Computed: true, ElementType: types.StringType, MarkdownDescription: "Networks the VM's NICs connect to."}
	a["default_ip"] = s("The guest's primary IP address as reported by VMware Tools.")
	a["tools_status"] = s("VMware Tools running status, e.g. `guestToolsRunning`.")
	a["firmware"] = s("`bios` or `efi`.")
	a["hardware_version"] = s("Virtual hardware version, e.g. `vmx-19`.")
	a["annotation"] = s("The VM's notes.")
	a["has_snapshots"] = schema.BoolAttribute{Computed: true, MarkdownDescription: "Whether the VM has snapshots."}
	a["snapshots"] = vmSnapshotsAttribute()
	resp.Schema = schema.Schema{MarkdownDescription: "One VM, found by name, UUID or inventory path. Fails with a clear message when none or several match.", Attributes: a}
}

func (d *vmDataSource) ConfigValidators(_ context.Context) []datasource.ConfigValidator {
	return []datasource.ConfigValidator{datasourcevalidator.ExactlyOneOf(
		path.MatchRoot("name"), path.MatchRoot("uuid"), path.MatchRoot("path"))}
}

func (d *vmDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m vmLookupModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	snap := d.data.snapshot(ctx, &resp.Diagnostics, "ceso_vm")
	if snap == nil {
		return
	}
	by, value := "name", m.Name.ValueString()
	switch {
	case !m.UUID.IsNull():
		by, value = "uuid", m.UUID.ValueString()
	case !m.Path.IsNull():
		by, value = "path", m.Path.ValueString()
	}
	vm, err := snap.FindVM(by, value, d.data.datacenterScope(m.Datacenter))
	if err != nil {
		lookupError(&resp.Diagnostics, by, err)
		return
	}
	out := vmLookupModel{vmSummary: newVMSummary(vm),
		Host: types.StringValue(vm.Host), Datastores: stringList(vm.Datastores), Networks: stringList(vm.Networks),
		DefaultIP: types.StringValue(vm.PrimaryIP), ToolsStatus: types.StringValue(vm.ToolsRunning),
		Firmware: types.StringValue(vm.Firmware), HWVersion: types.StringValue(vm.HWVersion),
		Annotation: types.StringValue(vm.Annotation), HasSnapshots: types.BoolValue(vm.HasSnapshots), Snapshots: vmSnapshots(vm)}
	if by == "uuid" {
		out.UUID = m.UUID // keep the spelling the user gave (instance or BIOS UUID)
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &out)...)
}
