package review

import (
	"fmt"

	"github.com/esxi-commander/terraform-provider-ceso/internal/policy"
)

// reviewBackup classifies a ceso_backup change. Its object is the VM's
// name, which the guard matches a grant's scope against.
func (x *index) reviewBackup(rc *resourceChange, c *Change) {
	ch := &rc.Change
	c.ObjectKind = "VM"
	if n, ok := str(ch.Before, "vm_name"); ok {
		c.Object = n
	} else {
		c.Object = x.vmName(rc, ch.After, "vm")
	}
	dest := firstStr(ch.After, ch.Before, "destination")
	remove := func() {
		if retain, _ := ch.Before["retain_on_destroy"].(bool); retain {
			c.add(Destroyed, policy.ActionDiscard, "forgotten by Terraform; the backup folder stays (retain_on_destroy)")
			return
		}
		where, _ := str(ch.Before, "path")
		c.add(Destroyed, policy.ActionBackupDelete, joinNonEmpty("the backup folder "+where+" is deleted"))
	}
	create := func() {
		what := "a new backup in " + dest
		if v, _ := ch.After["verify"].(string); v == "boot" {
			// The drill (backup_drill, standard) touches only the VM it makes.
			what += ", then a restore drill: the backup restored as a temporary VM with its network unplugged, booted, and deleted with its files"
		}
		c.add(Created, policy.ActionCreate, what)
		if keep, _ := ch.After["keep"].(float64); keep > 0 {
			c.add(BackupsPruned, policy.ActionBackupPrune, fmt.Sprintf("after it succeeds, only the %d newest complete backups of the VM in %s are kept; older ones are deleted", int(keep), dest))
		}
	}
	switch kind(ch.Actions) {
	case "create":
		create()
	case "delete":
		remove()
	case "replace":
		remove()
		create()
	case "update":
		c.add(ChangedInPlace, policy.ActionUpdate, changedAttrs(rc))
	}
}
