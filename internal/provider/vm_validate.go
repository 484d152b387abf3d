package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/esxi-commander/terraform-provider-ceso/internal/vm"
)

// vmErrorDependsOn names, for the domain's checks that read more than the
// attribute they blame, the other attributes they read: such an error is
// only sure once those are known too.
var vmErrorDependsOn = map[string][]string{
	"backup":           {"template"},
	"linked_clone":     {"template"},
	"clone_snapshot":   {"linked_clone"},
	"cores_per_socket": {"cpus"},
	"wait_for_ip":      {"power_state"},
	"disk":             {"template", "backup"}, // a disk's size may come from the source
}

// ValidateConfig runs the domain's validation on every part of the
// configuration that is known. Values known only at apply (an attribute of
// another resource) are read as unset, and an error that an unknown value
// could cause or cure is left for the plan or the apply to report.
func (r *vmResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var m vmModel
	if d := req.Config.Get(ctx, &m); d.HasError() {
		return // blocks not known yet (a dynamic block over an unknown list): checked at plan
	}
	attachConflicts(m.Disks, &resp.Diagnostics)
	spec := m.spec(ctx, &resp.Diagnostics)
	err := vm.Validate(&spec)
	if err == nil {
		return
	}
	var sure []error
	for _, fe := range vm.FieldErrors(err) {
		if knownFor(req.Config.Raw, fe) {
			sure = append(sure, fe)
		}
	}
	if len(sure) > 0 {
		addVMErrors(&resp.Diagnostics, "Invalid VM Configuration", joinedErrors(sure))
	}
}

// knownFor reports whether the attribute an error blames, and the ones its
// check reads, are all known in the configuration.
func knownFor(config tftypes.Value, fe *vm.FieldError) bool {
	p := tftypes.NewAttributePath().WithAttributeName(fe.Field)
	if !knownAt(config, p) {
		return false
	}
	if fe.Index >= 0 {
		p = p.WithElementKeyInt(fe.Index)
		if fe.Sub != "" {
			p = p.WithAttributeName(fe.Sub)
		}
		if !knownAt(config, p) {
			return false
		}
	}
	for _, dep := range vmErrorDependsOn[fe.Field] {
		if !knownAt(config, tftypes.NewAttributePath().WithAttributeName(dep)) {
			return false
		}
	}
	return true
}

func knownAt(config tftypes.Value, p *tftypes.AttributePath) bool {
	v, _, err := tftypes.WalkAttributePath(config, p)
	if err != nil {
		return true // not in the configuration: nothing unknown there
	}
	tv, ok := v.(tftypes.Value)
	return !ok || tv.IsKnown() // a known map or list may hold unknown elements; spec leaves those out
}

type joinedErrors []error

func (j joinedErrors) Error() string   { return j[0].Error() }
func (j joinedErrors) Unwrap() []error { return j }

// attachConflicts refuses, in the configuration, what a disk block with
// attach = true takes from the disk itself (size, provisioning, datastore;
// keep_on_remove, since an attached disk is never deleted), and a path
// without attach. The plan carries those values over from the host, so
// only the configuration tells whether the user set them.
func attachConflicts(disks []vmDiskModel, diags *diag.Diagnostics) {
	for i, d := range disks {
		at := path.Root("disk").AtListIndex(i)
		if !d.Attach.ValueBool() {
			if !d.Path.IsNull() && !d.Path.IsUnknown() && !d.Attach.IsUnknown() {
				diags.AddAttributeError(at.AtName("path"), "Path Needs attach",
					"path names an existing disk to attach; set attach = true with it, or remove path (a new disk's path is chosen by the host).")
			}
			continue
		}
		for name, v := range map[string]attr.Value{"size_gb": d.SizeGB, "provisioning": d.Provisioning, "datastore": d.Datastore} {
			if !v.IsNull() {
				diags.AddAttributeError(at.AtName(name), "Not Settable With attach",
					fmt.Sprintf("%s is the attached disk's own, read from the disk; remove %s from the block.", name, name))
			}
		}
		if d.KeepOnRemove.ValueBool() {
			diags.AddAttributeError(at.AtName("keep_on_remove"), "Not Settable With attach",
				"an attached disk is never deleted (removing its block or the VM detaches it), so keep_on_remove does not apply; remove it.")
		}
	}
}
