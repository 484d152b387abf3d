package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/esxi-commander/terraform-provider-ceso/internal/guard"
)

// A triggers change is a replacement, and ModifyPlan must see it although
// the framework hands it an empty RequiresReplace: in standard mode the
// plan warns that deleting the old backup will be refused (and that it
// would go first), unless the backup is retained.
func TestBackupModifyPlanSeesReplacement(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	g, err := guard.New(guard.Config{Mode: "standard", Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = g.Close(context.Background()) })
	r := &backupResource{resourceData: resourceData{data: &providerData{guard: g}}}
	var sresp resource.SchemaResponse
	r.Schema(ctx, resource.SchemaRequest{}, &sresp)
	model := func(run string, retain bool) *backupModel {
		trig, _ := types.MapValueFrom(ctx, types.StringType, map[string]string{"run": run})
		files, _ := types.ListValueFrom(ctx, types.StringType, []string{"[ds] b/web/1/web.vmdk"})
		return &backupModel{ID: types.StringValue("1"), VM: types.StringValue("uuid-1"), Destination: types.StringValue("[ds] b"),
			Quiesce: types.BoolValue(false), DiskFormat: types.StringValue("thin"), Keep: types.Int64Value(0), Triggers: trig,
			Verify: types.StringValue("true"), AllowExistingSnapshots: types.BoolValue(false), RetainOnDestroy: types.BoolValue(retain),
			VMName: types.StringValue("web"), Time: types.StringValue("t"), SizeBytes: types.Int64Value(1), Files: files,
			Path: types.StringValue("[ds] b/web/1"), ManifestPath: types.StringValue("[ds] b/web/1/manifest.json"),
			Status: types.StringValue("complete"), Quiesced: types.BoolValue(false),
			ExcludeDisks: types.SetNull(types.StringType), SkipIndependentDisks: types.BoolValue(false), SkippedDisks: types.ListValueMust(types.StringType, nil),
			Timeouts: timeouts.Value{Object: types.ObjectNull(map[string]attr.Type{"create": types.StringType, "delete": types.StringType})}}
	}
	for _, tc := range []struct {
		name   string
		retain bool
		want   []string
	}{
		{name: "deleted", retain: false, want: []string{"Old Backup Deleted Before The New One Exists", "Apply Will Refuse This Change"}},
		{name: "retained", retain: true},
	} {
		state := tfsdk.State{Schema: sresp.Schema, Raw: tftypes.NewValue(sresp.Schema.Type().TerraformType(ctx), nil)}
		plan := tfsdk.Plan{Schema: sresp.Schema, Raw: tftypes.NewValue(sresp.Schema.Type().TerraformType(ctx), nil)}
		if d := state.Set(ctx, model("1", tc.retain)); d.HasError() {
			t.Fatal(d)
		}
		if d := plan.Set(ctx, model("2", tc.retain)); d.HasError() {
			t.Fatal(d)
		}
		resp := &resource.ModifyPlanResponse{Plan: plan}
		r.ModifyPlan(ctx, resource.ModifyPlanRequest{State: state, Plan: plan, Config: tfsdk.Config{Schema: sresp.Schema, Raw: plan.Raw}}, resp)
		var got []string
		for _, d := range resp.Diagnostics {
			got = append(got, d.Summary())
		}
		if strings.Join(got, "|") != strings.Join(tc.want, "|") {
			t.Errorf("%s: plan diagnostics %q, want %q", tc.name, got, tc.want)
		}
	}
}
