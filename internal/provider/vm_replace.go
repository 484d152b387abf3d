package provider

import (
	"context"
	"encoding/json"

	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-log/tflog"
)

// privateReplaces is the private-state key that carries, from the plan of
// a replacement to the CLI's second plan of its create half (made with a
// null prior state), the UUID of the VM the replacement deletes first.
const privateReplaces = "replaces"

func rememberReplaced(ctx context.Context, resp *resource.ModifyPlanResponse, uuid string) {
	if uuid == "" || resp.Private == nil {
		return
	}
	b, err := json.Marshal(map[string]string{"uuid": uuid})
	if err == nil {
		resp.Diagnostics.Append(resp.Private.SetKey(ctx, privateReplaces, b)...)
	}
}

// replacedVM is the UUID of the VM a planned create replaces: the prior
// state's, or the one remembered by the first plan of the replacement.
func replacedVM(ctx context.Context, req resource.ModifyPlanRequest, stateID string) string {
	if stateID != "" || req.Private == nil {
		return stateID
	}
	b, diags := req.Private.GetKey(ctx, privateReplaces)
	if diags.HasError() || len(b) == 0 {
		return ""
	}
	var v struct {
		UUID string `json:"uuid"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		tflog.Debug(ctx, "unreadable replacement marker in private state", map[string]any{"error": err.Error()})
		return ""
	}
	return v.UUID
}
