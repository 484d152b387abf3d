package provider

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
)

// jsonUpgrader upgrades state of schema version 0 by rewriting its stored
// JSON in place with rewrite: the versions' changes need no prior schema.
// title and noun name the object in errors ("Backup", "backup").
func jsonUpgrader(typeName, title, noun string, rewrite func(st map[string]any) error) resource.StateUpgrader {
	return resource.StateUpgrader{StateUpgrader: func(_ context.Context, req resource.UpgradeStateRequest, resp *resource.UpgradeStateResponse) {
		summary := "Cannot Upgrade " + title + " State"
		again := fmt.Sprintf("Remove the resource from the state and import the %s again.", noun)
		if req.RawState == nil || req.RawState.JSON == nil {
			resp.Diagnostics.AddError(summary, fmt.Sprintf("The stored %s state is empty or not JSON. %s", typeName, again))
			return
		}
		out, err := rewriteStateJSON(req.RawState.JSON, rewrite)
		if err != nil {
			resp.Diagnostics.AddError(summary, fmt.Sprintf("The stored %s state (schema version 0) could not be read: %v. %s", typeName, err, again))
			return
		}
		resp.DynamicValue = &tfprotov6.DynamicValue{JSON: out}
	}}
}

// rewriteStateJSON decodes stored state (numbers kept exact), rewrites it
// and encodes it again.
func rewriteStateJSON(in []byte, rewrite func(st map[string]any) error) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(in))
	dec.UseNumber()
	var st map[string]any
	if err := dec.Decode(&st); err != nil {
		return nil, err
	}
	if err := rewrite(st); err != nil {
		return nil, err
	}
	return json.Marshal(st)
}
