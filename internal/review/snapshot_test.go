package review

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/esxi-commander/terraform-provider-ceso/internal/policy"
)

// A new revert_on_change value is a revert, shown as its own effect and
// checked as destructive; a rename is an ordinary update; removing the
// snapshot is destructive too.
func TestSnapshotEffects(t *testing.T) {
	t.Parallel()
	snap := func(name, revert string) map[string]any {
		m := map[string]any{"name": name, "vm_name": "db-01", "vm": "uuid-1", "description": "", "memory": false, "quiesce": false, "revert_on_change": nil}
		if revert != "" {
			m["revert_on_change"] = revert
		}
		return m
	}
	for _, tc := range []struct {
		name          string
		actions       []string
		before, after map[string]any
		want          []effectLine
	}{
		{"revert", []string{"update"}, snap("pre", ""), snap("pre", "1"), []effectLine{
			{"ceso_snapshot.s", Reverted, policy.Unrestricted}, {"ceso_snapshot.s", ChangedInPlace, policy.Standard}}},
		{"rename", []string{"update"}, snap("pre", "1"), snap("pre-2", "1"), []effectLine{
			{"ceso_snapshot.s", ChangedInPlace, policy.Standard}}},
		{"revert trigger removed", []string{"update"}, snap("pre", "1"), snap("pre", ""), []effectLine{
			{"ceso_snapshot.s", ChangedInPlace, policy.Standard}}},
		{"create", []string{"create"}, nil, snap("pre", ""), []effectLine{{"ceso_snapshot.s", Created, policy.Standard}}},
		{"delete", []string{"delete"}, snap("pre", ""), nil, []effectLine{{"ceso_snapshot.s", Destroyed, policy.Unrestricted}}},
	} {
		rep := build(t, planOf(rc("ceso_snapshot.s", tc.actions, tc.before, tc.after)), Options{})
		if diff := cmp.Diff(tc.want, effectsOf(rep)); diff != "" {
			t.Errorf("%s: effects (-want +got):\n%s", tc.name, diff)
		}
		if rep.Changes[0].Object != "db-01" {
			t.Errorf("%s: object %q, want the VM's name", tc.name, rep.Changes[0].Object)
		}
	}
}
