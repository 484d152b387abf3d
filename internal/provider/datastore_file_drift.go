package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/dsfile"
)

// A datastore file is not hashed again at refresh: that would download it.
// Instead the size and modification time the datastore browser reported
// right after ceso's upload are kept in the resource's private state, and
// Read reports the file's current ones in size and modified. When they
// differ the file was changed behind Terraform's back, and the plan
// replaces it, so the declared content is uploaded again.

// privateUploaded is the private state key of the recorded file facts.
const privateUploaded = "ceso.uploaded"

type uploadedFacts struct {
	Size     int64  `json:"size"`
	Modified string `json:"modified"` // RFC 3339, "" when the host gave none
}

func factsOf(f *dsfile.File) uploadedFacts {
	u := uploadedFacts{Size: f.Size}
	if !f.Modified.IsZero() {
		u.Modified = f.Modified.Format(time.RFC3339Nano)
	}
	return u
}

// privateSetter is the part of a response's private state that is written.
type privateSetter interface {
	SetKey(ctx context.Context, key string, value []byte) diag.Diagnostics
}

type privateGetter interface {
	GetKey(ctx context.Context, key string) ([]byte, diag.Diagnostics)
}

func recordUploaded(ctx context.Context, p privateSetter, u uploadedFacts, diags *diag.Diagnostics) {
	if p == nil {
		return
	}
	b, err := json.Marshal(u)
	if err != nil {
		diags.AddError("Cannot Record File", err.Error())
		return
	}
	diags.Append(p.SetKey(ctx, privateUploaded, b)...)
}

// recordedUploaded returns the facts recorded at upload; false when there
// are none (a state from before this was recorded).
func recordedUploaded(ctx context.Context, p privateGetter, diags *diag.Diagnostics) (uploadedFacts, bool) {
	var u uploadedFacts
	if p == nil {
		return u, false
	}
	b, d := p.GetKey(ctx, privateUploaded)
	diags.Append(d...)
	if len(b) == 0 {
		return u, false
	}
	if err := json.Unmarshal(b, &u); err != nil {
		return u, false
	}
	return u, true
}

// drifted says how the file on the datastore differs from what ceso
// uploaded ("" when it does not, or when nothing was recorded).
func drifted(ctx context.Context, req resource.ModifyPlanRequest, state *datastoreFileModel, diags *diag.Diagnostics) string {
	if req.State.Raw.IsNull() || state.Source.IsNull() {
		return ""
	}
	u, ok := recordedUploaded(ctx, req.Private, diags)
	if !ok {
		return ""
	}
	switch {
	case state.Size.ValueInt64() != u.Size:
		return fmt.Sprintf("its size is %d bytes, not the %d ceso uploaded", state.Size.ValueInt64(), u.Size)
	case u.Modified != "" && state.Modified.ValueString() != u.Modified:
		return fmt.Sprintf("it was modified at %s, after ceso uploaded it (%s)", state.Modified.ValueString(), u.Modified)
	}
	return ""
}

// planReupload turns a drifted file into a replacement: modified, size and
// sha256 become unknown and a change of modified requires replacement
// (Terraform replaces only for an attribute whose planned value changes).
func planReupload(ctx context.Context, resp *resource.ModifyPlanResponse, object, why string) {
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("modified"), types.StringUnknown())...)
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("sha256"), types.StringUnknown())...)
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("size"), types.Int64Unknown())...)
	resp.RequiresReplace = append(resp.RequiresReplace, path.Root("modified"))
	resp.Diagnostics.AddWarning("File Changed On The Datastore",
		fmt.Sprintf("%s changed outside Terraform: %s. The plan replaces it, so the declared source is uploaded again (removing the changed file is destructive: standard mode needs an elevation).", object, why))
}
