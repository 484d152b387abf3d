package provider

import (
	"github.com/hashicorp/terraform-plugin-framework/attr"
)

// backupReplaceReasons lists the arguments whose change makes a new backup,
// mirroring the RequiresReplace plan modifiers of the schema: ModifyPlan is
// handed an empty RequiresReplace by the framework, so it compares them
// itself to tell the guard (and the reviewer) that a replacement is planned.
func backupReplaceReasons(state, plan *backupModel) []string {
	var out []string
	differs := func(name string, a, b attr.Value) {
		if !a.Equal(b) {
			out = append(out, name)
		}
	}
	differs("vm", state.VM, plan.VM)
	differs("destination", state.Destination, plan.Destination)
	differs("quiesce", state.Quiesce, plan.Quiesce)
	differs("disk_format", state.DiskFormat, plan.DiskFormat)
	differs("triggers", state.Triggers, plan.Triggers)
	differs("verify", state.Verify, plan.Verify)
	differs("allow_existing_snapshots", state.AllowExistingSnapshots, plan.AllowExistingSnapshots)
	differs("exclude_disks", state.ExcludeDisks, plan.ExcludeDisks)
	differs("skip_independent_disks", state.SkipIndependentDisks, plan.SkipIndependentDisks)
	return out
}
