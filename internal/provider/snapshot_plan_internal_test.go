package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/esxi-commander/terraform-provider-ceso/internal/guard"
)

// The plan of a revert says plainly which VM returns to which snapshot and
// in what power state, and in standard mode that the apply will refuse it;
// a rename or dropping revert_on_change warns of nothing.
func TestSnapshotModifyPlanNamesRevert(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	g, err := guard.New(guard.Config{Mode: "standard", Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = g.Close(context.Background()) })
	r := &snapshotResource{resourceData: resourceData{data: &providerData{guard: g}}}
	var sresp resource.SchemaResponse
	r.Schema(ctx, resource.SchemaRequest{}, &sresp)
	model := func(name, revert string, memory bool) *snapshotModel {
		rv := types.StringNull()
		if revert != "" {
			rv = types.StringValue(revert)
		}
		return &snapshotModel{ID: types.StringValue("uuid-1/3"), VM: types.StringValue("uuid-1"), Name: types.StringValue(name),
			Description: types.StringValue("d"), Memory: types.BoolValue(memory), Quiesce: types.BoolValue(false), RevertOnChange: rv,
			SnapshotID: types.Int64Value(3), VMName: types.StringValue("web-01"), CreateTime: types.StringValue("2026-11-30T01:00:00Z"),
			Quiesced: types.BoolValue(false),
			Timeouts: timeouts.Value{Object: types.ObjectNull(map[string]attr.Type{"create": types.StringType, "update": types.StringType, "delete": types.StringType})}}
	}
	for _, tc := range []struct {
		name        string
		state, plan *snapshotModel
		want        []string
		detail      string
	}{
		{name: "revert", state: model("pre", "", false), plan: model("pre", "1", false),
			want:   []string{`VM web-01 Will Be Reverted To Snapshot "pre"`, "Apply Will Refuse This Change"},
			detail: "comes back powered off"},
		{name: "revert with memory", state: model("pre", "1", true), plan: model("pre", "2", true),
			want:   []string{`VM web-01 Will Be Reverted To Snapshot "pre"`, "Apply Will Refuse This Change"},
			detail: "comes back running"},
		{name: "rename", state: model("pre", "1", false), plan: model("pre-2.0", "1", false)},
		{name: "revert_on_change removed", state: model("pre", "1", false), plan: model("pre", "", false)},
	} {
		var got []string
		diags := planSnapshot(t, ctx, r, sresp, tc.state, tc.plan)
		for _, d := range diags {
			got = append(got, d.Summary())
		}
		if strings.Join(got, "|") != strings.Join(tc.want, "|") {
			t.Errorf("%s: plan diagnostics %q, want %q", tc.name, got, tc.want)
		}
		if tc.detail != "" && (len(diags) == 0 || !strings.Contains(diags[0].Detail(), tc.detail)) {
			t.Errorf("%s: warning does not say %q: %v", tc.name, tc.detail, diags)
		}
	}
}

func planSnapshot(t *testing.T, ctx context.Context, r *snapshotResource, sresp resource.SchemaResponse, st, pl *snapshotModel) diag.Diagnostics {
	t.Helper()
	state := tfsdk.State{Schema: sresp.Schema, Raw: tftypes.NewValue(sresp.Schema.Type().TerraformType(ctx), nil)}
	plan := tfsdk.Plan{Schema: sresp.Schema, Raw: tftypes.NewValue(sresp.Schema.Type().TerraformType(ctx), nil)}
	if d := state.Set(ctx, st); d.HasError() {
		t.Fatal(d)
	}
	if d := plan.Set(ctx, pl); d.HasError() {
		t.Fatal(d)
	}
	resp := &resource.ModifyPlanResponse{Plan: plan}
	r.ModifyPlan(ctx, resource.ModifyPlanRequest{State: state, Plan: plan, Config: tfsdk.Config{Schema: sresp.Schema, Raw: plan.Raw}}, resp)
	return resp.Diagnostics
}
