package review

import (
	"fmt"
	"strings"

	"github.com/esxi-commander/terraform-provider-ceso/internal/policy"
)

// reviewRestore classifies a ceso_restore change. Creating one restores a
// backup over an existing VM, overwriting its disks (restore_over, checked
// against the VM's UUID in a plan-bound grant); destroying one only forgets
// it. The provider fills vm_name, backup_id and the disk lists at plan
// time, so the page can say which disks are lost.
func (x *index) reviewRestore(rc *resourceChange, c *Change) {
	ch := &rc.Change
	c.ObjectKind = "VM"
	if n, ok := str(ch.After, "vm_name"); ok {
		c.Object = n
	} else if n, ok := str(ch.Before, "vm_name"); ok {
		c.Object = n
	} else {
		c.Object = x.vmName(rc, ch.After, "vm")
	}
	forget := func() {
		c.add(Destroyed, policy.ActionDiscard, "forgotten by Terraform; the VM and its disks stay as they are")
	}
	restore := func() {
		id := firstStr(ch.After, ch.After, "backup_id")
		if id == "" {
			id = firstStr(ch.After, ch.After, "backup")
		}
		vm := c.Object
		if vm == "" {
			vm = "the VM " + firstStr(ch.After, ch.After, "vm")
		}
		detail := fmt.Sprintf("restore backup %s over VM %s: disks %s overwritten; what they held since the backup is lost", orUnknown(id), vm, strList(ch.After, "overwritten_disks"))
		if t := firstStr(ch.After, ch.After, "backup_time"); t != "" {
			detail += " (backup made " + t + ")"
		}
		if empty := strList(ch.After, "empty_disks"); empty != "(known after apply)" && empty != "none" {
			detail += "; made empty: " + empty
		}
		if off, _ := ch.After["power_off"].(bool); off {
			detail += "; a running VM is powered off (hard) for it"
		}
		c.add(RestoredOver, policy.ActionRestoreOver, detail)
	}
	switch kind(ch.Actions) {
	case "create":
		restore()
	case "delete":
		forget()
	case "replace":
		forget()
		restore()
	case "update":
		c.add(ChangedInPlace, policy.ActionUpdate, changedAttrs(rc))
	}
}

func orUnknown(s string) string {
	if s == "" {
		return "(known after apply)"
	}
	return s
}

// strList renders a list attribute of the planned values.
func strList(vals map[string]any, key string) string {
	raw, ok := vals[key].([]any)
	if !ok {
		return "(known after apply)"
	}
	var out []string
	for _, v := range raw {
		if s, ok := v.(string); ok {
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		return "none"
	}
	return strings.Join(out, ", ")
}
