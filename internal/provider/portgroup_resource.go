package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64default"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/guard"
	"github.com/esxi-commander/terraform-provider-ceso/internal/hostnet"
	"github.com/esxi-commander/terraform-provider-ceso/internal/policy"
)

var (
	_ resource.ResourceWithConfigure   = (*portgroupResource)(nil)
	_ resource.ResourceWithImportState = (*portgroupResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*portgroupResource)(nil)
)

// NewPortGroupResource returns the ceso_portgroup resource.
func NewPortGroupResource() resource.Resource { return &portgroupResource{} }

type portgroupResource struct{ resourceData }

const portgroupType = "ceso_portgroup"

type portgroupModel struct {
	ID                   types.String  `tfsdk:"id"`
	Host                 types.String  `tfsdk:"host"`
	Name                 types.String  `tfsdk:"name"`
	VSwitch              types.String  `tfsdk:"vswitch"`
	VLANID               types.Int64   `tfsdk:"vlan_id"`
	AllowPromiscuous     types.Bool    `tfsdk:"allow_promiscuous"`
	AllowMACChanges      types.Bool    `tfsdk:"allow_mac_changes"`
	AllowForgedTransmits types.Bool    `tfsdk:"allow_forged_transmits"`
	Shaping              *shapingModel `tfsdk:"traffic_shaping"`
}

type shapingModel struct {
	Enabled          types.Bool  `tfsdk:"enabled"`
	AverageBandwidth types.Int64 `tfsdk:"average_bandwidth"`
	PeakBandwidth    types.Int64 `tfsdk:"peak_bandwidth"`
	BurstSize        types.Int64 `tfsdk:"burst_size"`
}

func (r *portgroupResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_portgroup"
}

func (r *portgroupResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	atLeast0 := []validator.Int64{int64validator.AtLeast(0)}
	resp.Schema = schema.Schema{
		MarkdownDescription: "A port group of a standard vSwitch on an ESXi host: the network VMs connect to (`ceso_vm`'s `network_interface.network`), with its VLAN and " +
			"overrides of the vSwitch's security and traffic-shaping policies, changed in place. Removing a port group that VMs use is refused at plan, naming them.",
		Attributes: map[string]schema.Attribute{
			"id":   readOnlyString("`<host>/<name>`. Import takes the same, or just the name on a single host."),
			"host": hostAttribute(),
			"name": schema.StringAttribute{Required: true, PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
				MarkdownDescription: "Name of the port group: the network name VMs use.",
				Validators:          []validator.String{stringvalidator.LengthBetween(1, 255)}},
			"vswitch": schema.StringAttribute{Required: true, PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
				MarkdownDescription: "Name of the vSwitch the port group belongs to, e.g. `ceso_vswitch.lan.name`."},
			"vlan_id": schema.Int64Attribute{Optional: true, Computed: true, Default: int64default.StaticInt64(0),
				MarkdownDescription: "VLAN tag: `0` (default) untagged, `1`-`4094` a VLAN, `4095` every VLAN passed to the guest (guest tagging).",
				Validators:          []validator.Int64{int64validator.Between(0, 4095)}},
			"allow_promiscuous":      securityAttribute("Override: let VMs on the port group see all its traffic.", true),
			"allow_mac_changes":      securityAttribute("Override: let a guest change its adapter's MAC address.", true),
			"allow_forged_transmits": securityAttribute("Override: let a guest send frames from another MAC address.", true),
			"traffic_shaping": schema.SingleNestedAttribute{Optional: true,
				MarkdownDescription: "Override of the vSwitch's outbound traffic shaping. Unset inherits the vSwitch's.",
				Attributes: map[string]schema.Attribute{
					"enabled":           schema.BoolAttribute{Required: true, MarkdownDescription: "Whether traffic is shaped."},
					"average_bandwidth": schema.Int64Attribute{Required: true, Validators: atLeast0, MarkdownDescription: "Average bandwidth in bits per second."},
					"peak_bandwidth":    schema.Int64Attribute{Required: true, Validators: atLeast0, MarkdownDescription: "Peak bandwidth in bits per second."},
					"burst_size":        schema.Int64Attribute{Required: true, Validators: atLeast0, MarkdownDescription: "Burst size in bytes."},
				}},
		},
	}
}

func (m *portgroupModel) want() hostnet.PortGroup {
	pg := hostnet.PortGroup{Host: m.Host.ValueString(), Name: m.Name.ValueString(), VSwitch: m.VSwitch.ValueString(), VLAN: toInt32(m.VLANID.ValueInt64()),
		Security: hostnet.Security{AllowPromiscuous: m.AllowPromiscuous.ValueBoolPointer(), AllowMACChanges: m.AllowMACChanges.ValueBoolPointer(),
			AllowForged: m.AllowForgedTransmits.ValueBoolPointer()}}
	if s := m.Shaping; s != nil {
		pg.Shaping = &hostnet.Shaping{Enabled: s.Enabled.ValueBool(), AverageBandwidth: s.AverageBandwidth.ValueInt64(),
			PeakBandwidth: s.PeakBandwidth.ValueInt64(), BurstSize: s.BurstSize.ValueInt64()}
	}
	return pg
}

func (m *portgroupModel) fill(p *hostnet.PortGroup) {
	m.ID = types.StringValue(p.Host + "/" + p.Name)
	m.Host, m.Name, m.VSwitch = types.StringValue(p.Host), types.StringValue(p.Name), types.StringValue(p.VSwitch)
	m.VLANID = types.Int64Value(int64(p.VLAN))
	m.AllowPromiscuous = types.BoolPointerValue(p.Security.AllowPromiscuous)
	m.AllowMACChanges = types.BoolPointerValue(p.Security.AllowMACChanges)
	m.AllowForgedTransmits = types.BoolPointerValue(p.Security.AllowForged)
	m.Shaping = nil
	if s := p.Shaping; s != nil {
		m.Shaping = &shapingModel{Enabled: types.BoolValue(s.Enabled), AverageBandwidth: types.Int64Value(s.AverageBandwidth),
			PeakBandwidth: types.Int64Value(s.PeakBandwidth), BurstSize: types.Int64Value(s.BurstSize)}
	}
}

// ModifyPlan checks what the host would refuse before anything changes:
// a vSwitch that does not exist, a name taken, and the removal of a port
// group VMs use (naming them), unless this plan destroys those VMs first.
func (r *portgroupResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	plan, state, ok := planAndState[portgroupModel](ctx, req, resp)
	if !ok || r.data == nil || r.data.hostnet == nil {
		return
	}
	api, dc := r.data.hostnet, r.data.datacenterScope(types.StringNull())
	replaced := !req.State.Raw.IsNull() && !req.Plan.Raw.IsNull() &&
		((known(plan.Host) && !plan.Host.Equal(state.Host)) || !plan.Name.Equal(state.Name) || !plan.VSwitch.Equal(state.VSwitch))
	if req.Plan.Raw.IsNull() || replaced {
		err := api.CheckDeletePortGroup(ctx, state.Host.ValueString(), dc, state.Name.ValueString(), r.data.isLeaving)
		if err != nil && !hostnet.IsInUse(err) {
			addDomainError(&resp.Diagnostics, "Cannot Check Port Group", err)
			return
		}
		if err != nil {
			resp.Diagnostics.AddError("Port Group In Use", fmt.Sprintf("Cannot remove %s. "+
				"If this plan also destroys those VMs, make them refer to the port group (network = ceso_portgroup.<name>.name) so Terraform removes them first.", err))
			return
		}
	}
	if req.Plan.Raw.IsNull() {
		r.data.guardPlan(req, resp, portgroupType, state.Name.ValueString(), state.ID.ValueString(), policy.ActionDelete)
		return
	}
	if !known(plan.Name) || !known(plan.VSwitch) {
		return
	}
	want := plan.want()
	if _, err := api.PlanPortGroup(ctx, dc, want, !req.State.Raw.IsNull() && !replaced,
		func(vswitch string) bool { return r.data.isArriving(arrivingVSwitch, vswitch) }); err != nil {
		addDomainError(&resp.Diagnostics, "Invalid Port Group", err)
		return
	}
	if req.State.Raw.IsNull() || replaced {
		r.data.planArriving(arrivingNetwork, want.Name)
	}
	if action, ok := plannedAction(req, resp, policy.ActionDelete, replaced); ok {
		r.data.warnIfRefused(&resp.Diagnostics, guard.Op{ResourceType: portgroupType, Object: want.Name, Action: action})
	}
}

func (r *portgroupResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	r.write(ctx, req.Plan.Get, &resp.State, &resp.Diagnostics, policy.ActionCreate)
}

func (r *portgroupResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	r.write(ctx, req.Plan.Get, &resp.State, &resp.Diagnostics, policy.ActionUpdate)
}

// write creates or updates the port group: the two differ only in the
// call and the guard's action.
func (r *portgroupResource) write(ctx context.Context, get func(context.Context, any) diag.Diagnostics, state *tfsdk.State, diags *diag.Diagnostics, action policy.Action) {
	var plan portgroupModel
	diags.Append(get(ctx, &plan)...)
	api := r.data.hostNetworking(diags, portgroupType)
	if diags.HasError() || api == nil {
		return
	}
	want, dc := plan.want(), r.data.datacenterScope(types.StringNull())
	var got *hostnet.PortGroup
	op := guard.Op{ResourceType: portgroupType, Object: want.Name, Action: action,
		Details: map[string]any{"host": want.Host, "vswitch": want.VSwitch, "vlan_id": want.VLAN}}
	if !r.data.guarded(ctx, diags, op, "Cannot Write Port Group", func(ctx context.Context) error {
		var err error
		if action == policy.ActionCreate {
			got, err = api.CreatePortGroup(ctx, dc, want)
		} else {
			got, err = api.UpdatePortGroup(ctx, dc, want)
		}
		return err
	}) {
		return
	}
	plan.fill(got)
	diags.Append(state.Set(ctx, &plan)...)
}

func (r *portgroupResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state portgroupModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	api := r.data.hostNetworking(&resp.Diagnostics, portgroupType)
	if resp.Diagnostics.HasError() || api == nil {
		return
	}
	host, name := state.Host.ValueString(), state.Name.ValueString()
	if state.Name.IsNull() { // imported
		host, name = splitHostID(state.ID.ValueString())
	}
	got, err := api.ReadPortGroup(ctx, host, r.data.datacenterScope(types.StringNull()), name)
	if hostnet.IsNotFound(err) && !state.Name.IsNull() {
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		addDomainError(&resp.Diagnostics, "Cannot Read Port Group", err)
		return
	}
	state.fill(got)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// Delete removes the port group; the domain checks again, on the host as
// it is now, that no VM uses it.
func (r *portgroupResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state portgroupModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	api := r.data.hostNetworking(&resp.Diagnostics, portgroupType)
	if resp.Diagnostics.HasError() || api == nil {
		return
	}
	op := guard.Op{ResourceType: portgroupType, Object: state.Name.ValueString(), ID: state.ID.ValueString(), Action: policy.ActionDelete,
		Details: map[string]any{"host": state.Host.ValueString(), "vswitch": state.VSwitch.ValueString()}}
	r.data.guarded(ctx, &resp.Diagnostics, op, "Cannot Remove Port Group", func(ctx context.Context) error {
		return api.DeletePortGroup(ctx, state.Host.ValueString(), r.data.datacenterScope(types.StringNull()), state.Name.ValueString())
	})
}

// ImportState takes `<host>/<name>`, or the name on a single host; Read
// fills in the rest from the host.
func (r *portgroupResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), strings.TrimSpace(req.ID))...)
}
