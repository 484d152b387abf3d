package review

import (
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/esxi-commander/terraform-provider-ceso/internal/policy"
)

// providerOnly are attributes that steer the provider and change nothing
// on the VM by themselves.
var providerOnly = map[string]bool{
	"allow_power_cycle": true, "force_power_off": true, "shutdown_timeout": true, "wait_for_ip": true,
	"cloudinit_update": true, "timeouts": true, "power_state": true,
}

// hostChanges reports whether an update changes anything on the VM itself.
func hostChanges(before, after map[string]any) bool {
	for k, a := range after {
		if !readOnly[k] && !providerOnly[k] && a != nil && !reflect.DeepEqual(before[k], a) {
			return true
		}
	}
	return false
}

// coldChanges lists the changes the VM must be powered off for while it
// runs, by the same rules the update itself follows: CPU or memory without
// hot-add (or going down), cores per socket, the hot-add flags, guest OS,
// a hardware upgrade, adding or removing a CD-ROM drive or an IDE disk.
func coldChanges(before, after map[string]any) []string {
	var out []string
	changed := func(k string) bool {
		a, ok := after[k]
		return ok && a != nil && !reflect.DeepEqual(before[k], a)
	}
	num := func(m map[string]any, k string) float64 { f, _ := m[k].(float64); return f }
	flag := func(m map[string]any, k string) bool { b, _ := m[k].(bool); return b }
	if changed("cpus") && (!flag(before, "cpu_hot_add") || num(after, "cpus") < num(before, "cpus")) {
		out = append(out, "cpus")
	}
	if changed("memory_mb") && (!flag(before, "memory_hot_add") || num(after, "memory_mb") < num(before, "memory_mb")) {
		out = append(out, "memory_mb")
	}
	for _, k := range []string{"cores_per_socket", "cpu_hot_add", "memory_hot_add", "guest_id"} {
		if changed(k) {
			out = append(out, k)
		}
	}
	if changed("hardware_version") && num(after, "hardware_version") > num(before, "hardware_version") {
		out = append(out, "hardware_version")
	}
	if changed("cdrom") {
		b, _ := before["cdrom"].(string)
		a, _ := after["cdrom"].(string)
		if b == "" || a == "" {
			out = append(out, "cdrom")
		}
	}
	// Passthrough devices and a virtual TPM cannot be hot-plugged.
	if pciChanged(before, after) {
		out = append(out, "pci_devices")
	}
	if changed("vtpm") {
		out = append(out, "vtpm")
	}
	for _, d := range diskDiff(before, after).ide {
		out = append(out, "IDE disk "+d)
	}
	return out
}

type disk struct {
	slot, path, label string
	keep, attached    bool
}

type diskChanges struct {
	deleted, kept, detached []disk
	ide                     []string // IDE slots added or removed
}

// diskDiff finds the disks an update removes, by identity: the controller
// family, bus and unit number (the plan fills them in for every block). A planned disk whose unit number is not set is
// the existing disk at its position, as the update matches it.
func diskDiff(before, after map[string]any) diskChanges {
	var res diskChanges
	bl, _ := before["disk"].([]any)
	al, ok := after["disk"].([]any)
	if !ok || after["disk"] == nil {
		return res // no disk blocks: ceso leaves the disks alone
	}
	slotOf := func(v any) (string, bool) {
		m, _ := v.(map[string]any)
		ctl, _ := m["controller_type"].(string)
		unit, ok := m["unit_number"].(float64)
		bus, _ := m["bus_number"].(float64) // absent or null: bus 0
		if ctl == "" {
			ctl = "scsi"
		}
		return fmt.Sprintf("%s:%d:%d", ctl, int(bus), int(unit)), ok
	}
	have := map[string]bool{}
	for i, v := range al {
		s, ok := slotOf(v)
		if !ok && i < len(bl) {
			s, ok = slotOf(bl[i])
		}
		if ok {
			have[s] = true
			if strings.HasPrefix(s, "ide:") && !slices.ContainsFunc(bl, func(b any) bool { bs, _ := slotOf(b); return bs == s }) {
				res.ide = append(res.ide, s+" added")
			}
		}
	}
	for _, v := range bl {
		s, _ := slotOf(v)
		if have[s] {
			continue
		}
		m, _ := v.(map[string]any)
		d := disk{slot: s}
		d.path, _ = m["path"].(string)
		d.label, _ = m["label"].(string)
		d.keep, _ = m["keep_on_remove"].(bool)
		d.attached, _ = m["attach"].(bool)
		switch {
		case d.attached: // not the VM's disk: detached, never deleted
			res.detached = append(res.detached, d)
		case d.keep:
			res.kept = append(res.kept, d)
		default:
			res.deleted = append(res.deleted, d)
		}
		if strings.HasPrefix(s, "ide:") {
			res.ide = append(res.ide, s+" removed")
		}
	}
	return res
}

func (d disk) String() string {
	name := d.label
	if name == "" {
		name = "disk " + d.slot
	}
	if d.path != "" {
		return name + " (" + d.path + ")"
	}
	return name
}

func (x *index) reviewVM(rc *resourceChange, c *Change) []string {
	ch := &rc.Change
	c.ObjectKind = "VM"
	c.Object = firstStr(ch.After, ch.Before, "name")
	switch kind(ch.Actions) {
	case "create":
		c.add(Created, policy.ActionCreate, vmSource(ch.After))
	case "delete":
		c.add(Destroyed, policy.ActionDelete, "the VM and its disk files are deleted"+keptOnDelete(ch.Before))
	case "replace":
		c.add(Destroyed, policy.ActionReplace, "replaced: "+replacePaths(rc)+"; the old VM and its disk files are deleted"+keptOnDelete(ch.Before)+"; the new one is "+vmSource(ch.After))
	case "update":
		return x.reviewVMUpdate(rc, c)
	}
	return nil
}

func (x *index) reviewVMUpdate(rc *resourceChange, c *Change) []string {
	before, after := rc.Change.Before, rc.Change.After
	if old, ok := str(before, "name"); ok && old != c.Object {
		c.Also = append(c.Also, old) // the guard checks the VM as it is named now
	}
	c.add(ChangedInPlace, policy.ActionUpdate, changedAttrs(rc))
	power, _ := before["power_state"].(string)
	want, _ := after["power_state"].(string)
	var warns []string
	if power == "on" && want != "on" && want != "" {
		if forced, _ := after["force_power_off"].(bool); forced {
			c.add(ForcedPowerOff, policy.ActionPowerOffForced, "hard power-off if the guest does not shut down within shutdown_timeout")
		}
	}
	cold := coldChanges(before, after)
	if power == "suspended" && len(cold) == 0 && hostChanges(before, after) {
		cold = []string{"any change (the VM is suspended)"}
	}
	if len(cold) > 0 && power != "off" && want != "off" {
		if allowed, _ := after["allow_power_cycle"].(bool); allowed {
			// The same effects the provider's guard records for the update.
			c.add(PowerCycled, policy.ActionPowerCycle, "shut down and powered on for "+strings.Join(cold, ", "))
			if forced, _ := after["force_power_off"].(bool); forced {
				c.add(ForcedPowerOff, policy.ActionPowerOffForced, "hard power-off if the guest does not shut down within shutdown_timeout, to power-cycle it")
			}
		} else {
			warns = append(warns, fmt.Sprintf("%s (VM %q): %s needs the VM powered off, it is %s, and allow_power_cycle is false: the apply will fail. "+
				"Set allow_power_cycle = true, or power the VM off first.", rc.Address, c.Object, strings.Join(cold, ", "), power))
		}
	}
	dd := diskDiff(before, after)
	for _, d := range dd.deleted {
		c.add(FilesDeleted, policy.ActionDiskDelete, d.String()+" is removed and its files deleted")
	}
	for _, d := range dd.kept {
		c.Items[0].Detail = joinNonEmpty(c.Items[0].Detail, d.String()+" detached, files kept (keep_on_remove)")
	}
	for _, d := range dd.detached {
		c.Items[0].Detail = joinNonEmpty(c.Items[0].Detail, d.String()+" detached, files kept (an attached disk)")
	}
	return warns
}

// vmSource says what a new VM starts from.
func vmSource(after map[string]any) string {
	if b, ok := str(after, "backup"); ok {
		return "restored from backup " + b
	}
	if t, ok := str(after, "template"); ok {
		return "copied from template " + t
	}
	if after != nil && after["template"] == nil && after["backup"] == nil {
		return "an empty VM"
	}
	return "from a source known only at apply"
}

func keptOnDelete(before map[string]any) string {
	var kept, attached []string
	bl, _ := before["disk"].([]any)
	for _, v := range bl {
		m, _ := v.(map[string]any)
		p, _ := m["path"].(string)
		if a, _ := m["attach"].(bool); a {
			attached = append(attached, p)
		} else if k, _ := m["keep_on_remove"].(bool); k {
			kept = append(kept, p)
		}
	}
	var out []string
	if len(kept) > 0 {
		out = append(out, "the files of "+strings.Join(kept, ", ")+", kept by keep_on_remove")
	}
	if len(attached) > 0 {
		out = append(out, "the attached disks "+strings.Join(attached, ", ")+", detached first")
	}
	if len(out) == 0 {
		return ""
	}
	return " (except " + strings.Join(out, "; ") + ")"
}
