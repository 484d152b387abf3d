package policy

import (
	"fmt"
	"sort"
	"strings"
)

// Action is what an operation does to an object. The guard records it in the
// audit trail and metrics, so the strings are stable identifiers.
type Action string

// The actions ceso performs. Destructive ones lose data or availability and
// therefore need unrestricted mode or an elevation.
const (
	ActionRead           Action = "read"
	ActionCreate         Action = "create"
	ActionUpdate         Action = "update"
	ActionDelete         Action = "delete"
	ActionReplace        Action = "replace"
	ActionPowerOffForced Action = "power_off_forced"
	ActionBackupDelete   Action = "backup_delete"
	ActionRestoreOver    Action = "restore_over"
	// ActionDiskDelete deletes a disk's files in an update (a disk block
	// removed without keep_on_remove).
	ActionDiskDelete Action = "disk_delete"
	// ActionBackupPrune removes older backups by retention after a backup.
	ActionBackupPrune Action = "backup_prune"
	// ActionAdoptExisting takes over, or destroys and remakes, a ceso VM
	// of the same name that this state did not create, during a create.
	ActionAdoptExisting Action = "adopt_existing"
	// ActionPowerCycle shuts a running VM's guest down and powers it on
	// again, for a change it cannot take while it runs. It is an effect of
	// an update, recorded so the audit and the review say the guest went
	// down. Standard, not destructive: the configuration asked for it
	// (allow_power_cycle = true), the guest shuts down cleanly, and no data
	// is lost; the availability it costs is what the change's author chose.
	// A cycle that may end in a hard power-off (force_power_off) also
	// carries power_off_forced, which is destructive.
	ActionPowerCycle Action = "power_cycle"
	// ActionDiscard removes an object that lives only in Terraform state,
	// such as a rendered cloud-init payload: nothing on a host is lost, so
	// it is not destructive, but it is still a change restricted mode refuses.
	ActionDiscard Action = "discard"
	// Snapshots: taking one loses nothing; reverting the VM to one loses
	// everything since it was taken, and deleting one loses the restore point.
	ActionSnapshotCreate Action = "snapshot_create"
	ActionSnapshotRevert Action = "snapshot_revert"
	ActionSnapshotDelete Action = "snapshot_delete"
	// Images and datastore files: deploying or uploading adds to the host;
	// deleting either loses what was on the datastore.
	ActionImageImport Action = "image_import"
	ActionImageDelete Action = "image_delete"
	ActionFileUpload  Action = "file_upload"
	ActionFileDelete  Action = "file_delete"
	// ActionBackupDrill is a restore drill (ceso_backup verify = "boot"):
	// the backup restored as a temporary VM with its network unplugged (or
	// on an isolated port group), powered on, and deleted with its files
	// afterwards, or by the next drill when the process died. Standard, not
	// destructive: it deletes and powers off only the VM it made itself,
	// which carries ceso's marker, the drill's name and its lease; nothing
	// that existed before is touched, and the backup is only read.
	ActionBackupDrill Action = "backup_drill"
)

var actionRequires = map[Action]Mode{
	ActionRead:           Restricted,
	ActionCreate:         Standard,
	ActionUpdate:         Standard,
	ActionDelete:         Unrestricted,
	ActionReplace:        Unrestricted,
	ActionPowerOffForced: Unrestricted,
	ActionBackupDelete:   Unrestricted,
	ActionRestoreOver:    Unrestricted,
	ActionDiscard:        Standard,
	ActionImageImport:    Standard,
	ActionImageDelete:    Unrestricted,
	ActionFileUpload:     Standard,
	ActionFileDelete:     Unrestricted,
	ActionDiskDelete:     Unrestricted,
	ActionBackupPrune:    Unrestricted,
	ActionAdoptExisting:  Unrestricted,
	ActionPowerCycle:     Standard,
	ActionSnapshotCreate: Standard,
	ActionSnapshotRevert: Unrestricted,
	ActionSnapshotDelete: Unrestricted,
	ActionBackupDrill:    Standard,
}

// TerraformAction is the Terraform plan action an action belongs to, the
// word a plan-bound grant lists: create, update or delete.
func (a Action) TerraformAction() string {
	switch a {
	case ActionDelete, ActionReplace, ActionBackupDelete, ActionDiscard, ActionSnapshotDelete, ActionImageDelete, ActionFileDelete:
		return "delete"
	case ActionUpdate, ActionPowerOffForced, ActionDiskDelete, ActionPowerCycle, ActionSnapshotRevert:
		return "update"
	default:
		return "create"
	}
}

// Valid reports whether a is a known action.
func (a Action) Valid() bool {
	_, ok := actionRequires[a]
	return ok
}

// Destructive reports whether a needs more than standard mode.
func (a Action) Destructive() bool {
	return actionRequires[a] == Unrestricted
}

// Changes reports whether a modifies anything on the host.
func (a Action) Changes() bool { return a != ActionRead }

// RequiredMode is the lowest mode in which a runs without an elevation.
// Unknown actions require unrestricted: a new action someone forgets to
// classify must fail closed.
func (a Action) RequiredMode() Mode {
	if m, ok := actionRequires[a]; ok {
		return m
	}
	return Unrestricted
}

// Actions lists every known action, sorted, for tests and documentation.
func Actions() []Action {
	out := make([]Action, 0, len(actionRequires))
	for a := range actionRequires {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// ParseAction reads an action identifier.
func ParseAction(s string) (Action, error) {
	a := Action(strings.TrimSpace(s))
	if !a.Valid() {
		names := make([]string, 0, len(actionRequires))
		for _, x := range Actions() {
			names = append(names, string(x))
		}
		return "", fmt.Errorf("invalid action %q: valid actions are %s", s, strings.Join(names, ", "))
	}
	return a, nil
}
