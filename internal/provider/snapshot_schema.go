package provider

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/boolplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/snapshot"
)

// snapshotModel is the ceso_snapshot resource's configuration and state.
type snapshotModel struct {
	ID             types.String `tfsdk:"id"`
	VM             types.String `tfsdk:"vm"`
	Name           types.String `tfsdk:"name"`
	Description    types.String `tfsdk:"description"`
	Memory         types.Bool   `tfsdk:"memory"`
	Quiesce        types.Bool   `tfsdk:"quiesce"`
	RevertOnChange types.String `tfsdk:"revert_on_change"`

	SnapshotID types.Int64  `tfsdk:"snapshot_id"`
	VMName     types.String `tfsdk:"vm_name"`
	CreateTime types.String `tfsdk:"create_time"`
	Quiesced   types.Bool   `tfsdk:"quiesced"`

	Timeouts timeouts.Value `tfsdk:"timeouts"`
}

func snapshotSchema(ctx context.Context) schema.Schema {
	replaceB := []planmodifier.Bool{boolplanmodifier.RequiresReplace()}
	return schema.Schema{
		MarkdownDescription: "A snapshot of a VM: a restore point taken before a risky change. Changing `name` or `description` renames it in place; " +
			"changing `vm`, `memory` or `quiesce` takes a new snapshot. Destroying the resource removes the snapshot and consolidates the VM's disks " +
			"(the VM keeps running on its current state; other snapshots are kept). " +
			"Reverting is explicit: a new value of `revert_on_change` returns the VM to this snapshot, a destructive action that the plan names and " +
			"that needs an elevation in standard mode.",
		Attributes: map[string]schema.Attribute{
			"id": readOnlyString("`<VM instance UUID>/<snapshot_id>`. Import takes `<VM>/<snapshot>`: the VM by instance UUID, inventory path or name, the snapshot by its id or unique name."),
			"vm": schema.StringAttribute{Required: true, PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
				MarkdownDescription: "Instance UUID of the VM to snapshot, e.g. `ceso_vm.web.id`."},
			"name": schema.StringAttribute{Required: true,
				MarkdownDescription: "Name of the snapshot. Names need not be unique on a VM; ceso tracks the snapshot by its id.",
				Validators:          []validator.String{stringvalidator.LengthBetween(1, 255)}},
			"description": schema.StringAttribute{Optional: true, Computed: true, Default: stringdefault.StaticString(""),
				MarkdownDescription: "Description of the snapshot. The API cannot clear a description, so changing a non-empty one to empty is refused at plan; set a different text instead."},
			"memory": schema.BoolAttribute{Optional: true, Computed: true, Default: booldefault.StaticBool(false), PlanModifiers: replaceB,
				MarkdownDescription: "Include the VM's memory, so a revert returns the VM running where it was. Without it (default) a revert returns the VM powered off. Has no effect on a VM that is not running."},
			"quiesce": schema.BoolAttribute{Optional: true, Computed: true, Default: booldefault.StaticBool(false), PlanModifiers: replaceB,
				MarkdownDescription: "Quiesce the guest's file systems through VMware Tools before the snapshot. When Tools do not run in the guest, the snapshot is crash consistent and the apply warns; `quiesced` says what happened."},
			"revert_on_change": schema.StringAttribute{Optional: true,
				MarkdownDescription: "Any value; when it changes to a new non-null value, the apply **reverts the VM to this snapshot**: every change to the VM's disks and configuration since the snapshot is lost. " +
					"The plan warns with the VM's and the snapshot's names, and the guard treats the revert as destructive (action `snapshot_revert`). Setting it when the snapshot is created, or removing it, reverts nothing."},

			"snapshot_id": schema.Int64Attribute{Computed: true, PlanModifiers: []planmodifier.Int64{int64planmodifier.UseStateForUnknown()},
				MarkdownDescription: "The snapshot's id in the VM's snapshot tree; the host never reuses it for that VM."},
			"vm_name":     readOnlyString("Name of the VM."),
			"create_time": readOnlyString("When the snapshot was taken (RFC 3339, UTC)."),
			"quiesced": schema.BoolAttribute{Computed: true, PlanModifiers: []planmodifier.Bool{boolplanmodifier.UseStateForUnknown()},
				MarkdownDescription: "Whether the guest's file systems were quiesced for the snapshot."},
		},
		Blocks: map[string]schema.Block{"timeouts": snapshotTimeouts(ctx)},
	}
}

// snapshotTimeouts is the timeouts block, described for the docs.
func snapshotTimeouts(ctx context.Context) schema.Block {
	b := timeouts.Block(ctx, timeouts.Opts{Create: true, Update: true, Delete: true})
	if nb, ok := b.(schema.SingleNestedBlock); ok {
		nb.MarkdownDescription = "How long taking the snapshot (`create`), a revert or rename (`update`) and its removal with consolidation (`delete`) may take; default 30m each."
		return nb
	}
	return b
}

// spec turns the configuration into the domain's snapshot spec.
func (m *snapshotModel) spec() snapshot.Spec {
	return snapshot.Spec{VM: m.VM.ValueString(), Name: m.Name.ValueString(), Description: m.Description.ValueString(),
		Memory: m.Memory.ValueBool(), Quiesce: m.Quiesce.ValueBool()}
}

// fill sets the computed attributes from the host.
func (m *snapshotModel) fill(s *snapshot.State) {
	m.ID = types.StringValue(s.VMUUID + "/" + strconv.Itoa(int(s.ID)))
	m.SnapshotID = types.Int64Value(int64(s.ID))
	m.VMName = types.StringValue(s.VMName)
	m.CreateTime = types.StringValue(s.Created.UTC().Format(time.RFC3339))
	m.Quiesced = types.BoolValue(s.Quiesced)
}

// refresh copies what a user may change behind Terraform's back (name,
// description) from the host, so a plan puts it back.
func (m *snapshotModel) refresh(s *snapshot.State) {
	m.fill(s)
	m.Name = types.StringValue(s.Name)
	m.Description = types.StringValue(s.Description)
}

// imported fills everything from the host: memory and quiesce are what the
// snapshot holds, which is what the configuration asked for unless Tools
// did not run.
func (m *snapshotModel) imported(s *snapshot.State) {
	m.refresh(s)
	m.VM = types.StringValue(s.VMUUID)
	m.Memory = types.BoolValue(s.Memory())
	m.Quiesce = types.BoolValue(s.Quiesced)
	m.RevertOnChange = types.StringNull()
	m.Timeouts = timeouts.Value{Object: types.ObjectNull(map[string]attr.Type{
		"create": types.StringType, "update": types.StringType, "delete": types.StringType})}
}

// ids returns the VM UUID and snapshot id recorded in state.
func (m *snapshotModel) ids() (string, int32, error) {
	vmUUID, id, ok := strings.Cut(m.ID.ValueString(), "/")
	n, err := strconv.ParseInt(id, 10, 32)
	if !ok || err != nil {
		return "", 0, fmt.Errorf("resource id %q is not <VM instance UUID>/<snapshot id>", m.ID.ValueString())
	}
	return vmUUID, int32(n), nil
}

// snapshotReplaceReasons lists the attributes whose change takes a new
// snapshot, mirroring the schema's RequiresReplace modifiers (ModifyPlan
// does not see what they decided).
func snapshotReplaceReasons(state, plan *snapshotModel) []string {
	var out []string
	for name, pair := range map[string][2]attr.Value{"vm": {state.VM, plan.VM}, "memory": {state.Memory, plan.Memory}, "quiesce": {state.Quiesce, plan.Quiesce}} {
		if !pair[1].IsUnknown() && !pair[0].Equal(pair[1]) {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// reverts reports whether the plan reverts the VM: revert_on_change has a
// new value that is not null (unknown counts: it will be a new value).
func (m *snapshotModel) reverts(state *snapshotModel) bool {
	return !m.RevertOnChange.IsNull() && !m.RevertOnChange.Equal(state.RevertOnChange)
}
