package review

import (
	"fmt"
	"reflect"

	"github.com/esxi-commander/terraform-provider-ceso/internal/policy"
)

// reviewSnapshot classifies a ceso_snapshot change. Its object is the VM's
// name, which the guard matches a grant's scope against. An in-place
// update that gives revert_on_change a new value reverts the VM: the
// review says so as its own effect, checked as the destructive action the
// apply will use, not as an ordinary update.
func (x *index) reviewSnapshot(rc *resourceChange, c *Change) {
	ch := &rc.Change
	c.ObjectKind = "VM"
	if n, ok := str(ch.Before, "vm_name"); ok {
		c.Object = n
	} else if n, ok := str(ch.After, "vm_name"); ok {
		c.Object = n
	} else {
		c.Object = x.vmName(rc, ch.After, "vm")
	}
	name := firstStr(ch.After, ch.Before, "name")
	remove := func() {
		old, _ := str(ch.Before, "name")
		c.add(Destroyed, policy.ActionSnapshotDelete, fmt.Sprintf("snapshot %q is removed and the VM's disks consolidated; the restore point is lost", old))
	}
	create := func() {
		c.add(Created, policy.ActionSnapshotCreate, fmt.Sprintf("snapshot %q is taken", name))
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
		if reverts(rc) {
			old, _ := str(ch.Before, "name")
			c.add(Reverted, policy.ActionSnapshotRevert, fmt.Sprintf("the VM returns to snapshot %q: every change since it was taken is lost", old))
		}
		if attrs := changedAttrs(rc); attrs != "" {
			c.add(ChangedInPlace, policy.ActionUpdate, attrs)
		}
	}
}

// reverts reports whether an update gives revert_on_change a new value
// that is not null (unknown counts: it will be a new value).
func reverts(rc *resourceChange) bool {
	ch := &rc.Change
	if unknown, _ := ch.AfterUnknown["revert_on_change"].(bool); unknown {
		return true
	}
	after, ok := ch.After["revert_on_change"]
	return ok && after != nil && !reflect.DeepEqual(after, ch.Before["revert_on_change"])
}
