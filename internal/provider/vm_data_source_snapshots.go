package provider

import (
	"time"

	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/esxi"
	"github.com/esxi-commander/terraform-provider-ceso/internal/snapshot"
)

// vmSnapshotModel is one snapshot in the ceso_vm data source's tree.
type vmSnapshotModel struct {
	ID          types.Int64  `tfsdk:"id"`
	Name        types.String `tfsdk:"name"`
	Description types.String `tfsdk:"description"`
	CreateTime  types.String `tfsdk:"create_time"`
	Memory      types.Bool   `tfsdk:"memory"`
	Quiesced    types.Bool   `tfsdk:"quiesced"`
	ParentID    types.Int64  `tfsdk:"parent_id"`
	Current     types.Bool   `tfsdk:"current"`
}

// vmSnapshotsAttribute is the data source's snapshot tree, flattened.
func vmSnapshotsAttribute() schema.ListNestedAttribute {
	return schema.ListNestedAttribute{Computed: true,
		MarkdownDescription: "The VM's snapshot tree, flattened depth first (parents before their children); `parent_id` links them. Empty without snapshots.",
		NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
			"id":          schema.Int64Attribute{Computed: true, MarkdownDescription: "The snapshot's id in the VM's tree; `<VM uuid>/<id>` imports it as a `ceso_snapshot`."},
			"name":        schema.StringAttribute{Computed: true, MarkdownDescription: "Name of the snapshot."},
			"description": schema.StringAttribute{Computed: true, MarkdownDescription: "Description of the snapshot."},
			"create_time": schema.StringAttribute{Computed: true, MarkdownDescription: "When the snapshot was taken (RFC 3339, UTC)."},
			"memory":      schema.BoolAttribute{Computed: true, MarkdownDescription: "Whether the snapshot holds the VM's memory (a revert returns the VM running)."},
			"quiesced":    schema.BoolAttribute{Computed: true, MarkdownDescription: "Whether the guest's file systems were quiesced."},
			"parent_id":   schema.Int64Attribute{Computed: true, MarkdownDescription: "Id of the parent snapshot; null for a root snapshot."},
			"current":     schema.BoolAttribute{Computed: true, MarkdownDescription: "Whether the VM runs on top of this snapshot (the one a new snapshot would be a child of)."},
		}},
	}
}

func vmSnapshots(vm esxi.VM) []vmSnapshotModel {
	out := []vmSnapshotModel{}
	for _, n := range snapshot.Flatten(vm.Snapshots) {
		parent := types.Int64Null()
		if n.ParentID != 0 {
			parent = types.Int64Value(int64(n.ParentID))
		}
		out = append(out, vmSnapshotModel{ID: types.Int64Value(int64(n.ID)), Name: types.StringValue(n.Name),
			Description: types.StringValue(n.Description), CreateTime: types.StringValue(n.Created.UTC().Format(time.RFC3339)),
			Memory: types.BoolValue(n.Memory()), Quiesced: types.BoolValue(n.Quiesced), ParentID: parent, Current: types.BoolValue(n.Current)})
	}
	return out
}
