package provider

import (
	"context"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64default"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/listdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	vimtypes "github.com/vmware/govmomi/vim25/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/guard"
	"github.com/esxi-commander/terraform-provider-ceso/internal/hostnet"
	"github.com/esxi-commander/terraform-provider-ceso/internal/policy"
)

var (
	_ resource.ResourceWithConfigure   = (*vswitchResource)(nil)
	_ resource.ResourceWithImportState = (*vswitchResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*vswitchResource)(nil)
)

// NewVSwitchResource returns the ceso_vswitch resource.
func NewVSwitchResource() resource.Resource { return &vswitchResource{} }

type vswitchResource struct{ resourceData }

const vswitchType = "ceso_vswitch"

type vswitchModel struct {
	ID                   types.String `tfsdk:"id"`
	Host                 types.String `tfsdk:"host"`
	Name                 types.String `tfsdk:"name"`
	Uplinks              types.List   `tfsdk:"uplinks"`
	MTU                  types.Int64  `tfsdk:"mtu"`
	AllowPromiscuous     types.Bool   `tfsdk:"allow_promiscuous"`
	AllowMACChanges      types.Bool   `tfsdk:"allow_mac_changes"`
	AllowForgedTransmits types.Bool   `tfsdk:"allow_forged_transmits"`
}

func (r *vswitchResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_vswitch"
}

// hostAttribute is the host a vSwitch or port group lives on.
func hostAttribute() schema.StringAttribute {
	return schema.StringAttribute{Optional: true, Computed: true,
		PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown(), stringplanmodifier.RequiresReplace()},
		MarkdownDescription: "Name (or inventory path) of the ESXi host. Optional on a standalone host and on a vCenter datacenter with one host; required when there are several."}
}

// securityAttribute is one layer-2 security setting of a vSwitch (a
// default of false) or of a port group (null inherits the vSwitch's).
func securityAttribute(desc string, portGroup bool) schema.BoolAttribute {
	if portGroup {
		return schema.BoolAttribute{Optional: true, MarkdownDescription: desc + " Unset inherits the vSwitch's setting."}
	}
	return schema.BoolAttribute{Optional: true, Computed: true, Default: booldefault.StaticBool(false), MarkdownDescription: desc + " Default `false`."}
}

func (r *vswitchResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A standard virtual switch on an ESXi host (HostNetworkSystem): its uplinks, MTU and layer-2 security policy, changed in place. " +
			"Destroying it is refused at plan while VMs use one of its port groups.",
		Attributes: map[string]schema.Attribute{
			"id":   readOnlyString("`<host>/<name>`. Import takes the same, or just the name on a single host."),
			"host": hostAttribute(),
			"name": schema.StringAttribute{Required: true, PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
				MarkdownDescription: "Name of the vSwitch, e.g. `vSwitch1` (at most 31 characters).",
				Validators:          []validator.String{stringvalidator.LengthBetween(1, 31)}},
			"uplinks": schema.ListAttribute{Optional: true, Computed: true, ElementType: types.StringType,
				Default:             listdefault.StaticValue(types.ListValueMust(types.StringType, nil)),
				MarkdownDescription: "Physical NICs bridging the vSwitch to the physical network, e.g. `[\"vmnic1\", \"vmnic2\"]`, active in this order. Empty (default): an internal-only switch. A NIC can serve one standard vSwitch; the plan checks that the host has it and that it is free.",
				Validators:          []validator.List{listvalidator.UniqueValues(), listvalidator.ValueStringsAre(stringvalidator.LengthAtLeast(1))}},
			"mtu": schema.Int64Attribute{Optional: true, Computed: true, Default: int64default.StaticInt64(1500),
				MarkdownDescription: "MTU in bytes, 1280 to 9000 (default 1500; 9000 for jumbo frames, which the physical network must carry too).",
				Validators:          []validator.Int64{int64validator.Between(1280, 9000)}},
			"allow_promiscuous":      securityAttribute("Let VMs on the switch see all its traffic (promiscuous mode).", false),
			"allow_mac_changes":      securityAttribute("Let a guest change its adapter's MAC address and receive frames for it.", false),
			"allow_forged_transmits": securityAttribute("Let a guest send frames from a MAC address other than its adapter's (needed by nested hypervisors and some clustering).", false),
		},
	}
}

func (m *vswitchModel) want(ctx context.Context) (hostnet.VSwitch, error) {
	var uplinks []string
	if d := m.Uplinks.ElementsAs(ctx, &uplinks, false); d.HasError() {
		return hostnet.VSwitch{}, diagError(d)
	}
	return hostnet.VSwitch{Host: m.Host.ValueString(), Name: m.Name.ValueString(), Uplinks: uplinks, MTU: toInt32(m.MTU.ValueInt64()),
		Security: hostnet.Security{AllowPromiscuous: vimtypes.NewBool(m.AllowPromiscuous.ValueBool()),
			AllowMACChanges: vimtypes.NewBool(m.AllowMACChanges.ValueBool()), AllowForged: vimtypes.NewBool(m.AllowForgedTransmits.ValueBool())}}, nil
}

func (m *vswitchModel) fill(v *hostnet.VSwitch) {
	m.ID = types.StringValue(v.Host + "/" + v.Name)
	m.Host, m.Name = types.StringValue(v.Host), types.StringValue(v.Name)
	m.Uplinks = types.ListValueMust(types.StringType, stringValues(v.Uplinks))
	m.MTU = types.Int64Value(int64(v.MTU))
	m.AllowPromiscuous = types.BoolValue(boolOf(v.Security.AllowPromiscuous))
	m.AllowMACChanges = types.BoolValue(boolOf(v.Security.AllowMACChanges))
	m.AllowForgedTransmits = types.BoolValue(boolOf(v.Security.AllowForged))
}

func stringValues(in []string) []attr.Value {
	out := make([]attr.Value, 0, len(in))
	for _, s := range in {
		out = append(out, types.StringValue(s))
	}
	return out
}

func boolOf(b *bool) bool { return b != nil && *b }

// splitHostID splits `<host>/<name>` at the last slash (a host's inventory
// path has slashes; names of vSwitches and port groups do not); a bare
// name means the only host.
func splitHostID(id string) (host, name string) {
	if i := strings.LastIndex(id, "/"); i >= 0 {
		return id[:i], id[i+1:]
	}
	return "", id
}

// ModifyPlan checks what the host would refuse before anything changes:
// uplinks the host lacks or another vSwitch has, a name taken, and a
// removal while VMs use the switch's port groups (naming them).
func (r *vswitchResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	plan, state, ok := planAndState[vswitchModel](ctx, req, resp)
	if !ok || r.data == nil || r.data.hostnet == nil {
		return
	}
	api, dc := r.data.hostnet, r.data.datacenterScope(types.StringNull())
	replaced := !req.State.Raw.IsNull() && !req.Plan.Raw.IsNull() &&
		((known(plan.Host) && !plan.Host.Equal(state.Host)) || !plan.Name.Equal(state.Name))
	if req.Plan.Raw.IsNull() || replaced {
		err := api.CheckDeleteVSwitch(ctx, state.Host.ValueString(), dc, state.Name.ValueString(), r.data.isLeaving)
		switch {
		case hostnet.IsInUse(err):
			resp.Diagnostics.AddError("vSwitch In Use", "Cannot remove "+err.Error()+".")
			return
		case err != nil && !hostnet.IsNotFound(err):
			addDomainError(&resp.Diagnostics, "Cannot Check vSwitch", err)
			return
		}
	}
	if req.Plan.Raw.IsNull() {
		r.data.guardPlan(req, resp, vswitchType, state.Name.ValueString(), state.ID.ValueString(), policy.ActionDelete)
		return
	}
	if !known(plan.Name) || plan.Uplinks.IsUnknown() || plan.Host.IsUnknown() && !req.State.Raw.IsNull() {
		return
	}
	want, err := plan.want(ctx)
	if err != nil {
		return
	}
	if _, err := api.PlanVSwitch(ctx, dc, want, !req.State.Raw.IsNull() && !replaced); err != nil {
		addDomainError(&resp.Diagnostics, "Invalid vSwitch", err)
		return
	}
	if req.State.Raw.IsNull() || replaced {
		r.data.planArriving(arrivingVSwitch, want.Name)
	}
	if action, ok := plannedAction(req, resp, policy.ActionDelete, replaced); ok {
		r.data.warnIfRefused(&resp.Diagnostics, guard.Op{ResourceType: vswitchType, Object: want.Name, Action: action})
	}
}

func (r *vswitchResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	r.write(ctx, req.Plan.Get, &resp.State, &resp.Diagnostics, policy.ActionCreate)
}

// write creates or updates the vSwitch: the two differ only in the call
// and the guard's action (as for port groups).
func (r *vswitchResource) write(ctx context.Context, get func(context.Context, any) diag.Diagnostics, state *tfsdk.State, diags *diag.Diagnostics, action policy.Action) {
	var plan vswitchModel
	diags.Append(get(ctx, &plan)...)
	api := r.data.hostNetworking(diags, vswitchType)
	if diags.HasError() || api == nil {
		return
	}
	want, err := plan.want(ctx)
	if err != nil {
		diags.AddError("Invalid vSwitch", err.Error())
		return
	}
	dc := r.data.datacenterScope(types.StringNull())
	var got *hostnet.VSwitch
	op := guard.Op{ResourceType: vswitchType, Object: want.Name, Action: action,
		Details: map[string]any{"host": want.Host, "uplinks": want.Uplinks, "mtu": want.MTU}}
	if !r.data.guarded(ctx, diags, op, "Cannot Write vSwitch", func(ctx context.Context) error {
		if action == policy.ActionCreate {
			got, err = api.CreateVSwitch(ctx, dc, want)
		} else {
			got, err = api.UpdateVSwitch(ctx, dc, want)
		}
		return err
	}) {
		return
	}
	plan.fill(got)
	diags.Append(state.Set(ctx, &plan)...)
}

func (r *vswitchResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state vswitchModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	api := r.data.hostNetworking(&resp.Diagnostics, vswitchType)
	if resp.Diagnostics.HasError() || api == nil {
		return
	}
	host, name := state.Host.ValueString(), state.Name.ValueString()
	if state.Name.IsNull() { // imported
		host, name = splitHostID(state.ID.ValueString())
	}
	got, err := api.ReadVSwitch(ctx, host, r.data.datacenterScope(types.StringNull()), name)
	if hostnet.IsNotFound(err) && !state.Name.IsNull() {
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		addDomainError(&resp.Diagnostics, "Cannot Read vSwitch", err)
		return
	}
	state.fill(got)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *vswitchResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	r.write(ctx, req.Plan.Get, &resp.State, &resp.Diagnostics, policy.ActionUpdate)
}

func (r *vswitchResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state vswitchModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	api := r.data.hostNetworking(&resp.Diagnostics, vswitchType)
	if resp.Diagnostics.HasError() || api == nil {
		return
	}
	op := guard.Op{ResourceType: vswitchType, Object: state.Name.ValueString(), ID: state.ID.ValueString(), Action: policy.ActionDelete,
		Details: map[string]any{"host": state.Host.ValueString()}}
	r.data.guarded(ctx, &resp.Diagnostics, op, "Cannot Remove vSwitch", func(ctx context.Context) error {
		return api.DeleteVSwitch(ctx, state.Host.ValueString(), r.data.datacenterScope(types.StringNull()), state.Name.ValueString())
	})
}

// ImportState takes `<host>/<name>`, or the name on a single host; Read
// fills in the rest from the host.
func (r *vswitchResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), strings.TrimSpace(req.ID))...)
}
