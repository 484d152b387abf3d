package review

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
)

// readOnly are attributes the host reports; a change of them is a result,
// not something the approver approves.
var readOnly = map[string]bool{
	"id": true, "uuid": true, "bios_uuid": true, "moid": true, "path": true, "ip_addresses": true, "default_ip": true,
	"mac_addresses": true, "tools_status": true, "is_template": true, "timeouts": true,
	"vm_name": true, "time": true, "manifest_path": true, "status": true, "size_bytes": true, "files": true, "quiesced": true,
	"user_data": true, "meta_data": true, "vendor_data": true, "guestinfo_hash": true, "instance_id": true,
}

// sensitive attributes are named, never shown.
var sensitive = map[string]bool{"guestinfo": true, "password": true}

// changedAttrs lists the attributes an update changes, with the old and new
// value for scalars: "memory_mb 1024 → 2048".
func changedAttrs(rc *resourceChange) string {
	before, after, unknown := rc.Change.Before, rc.Change.After, rc.Change.AfterUnknown
	var out []string
	keys := make([]string, 0, len(after))
	for k := range after {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if readOnly[k] || k == "disk" || k == "network_interface" {
			continue
		}
		if u, _ := unknown[k].(bool); u {
			out = append(out, k+" (known after apply)")
			continue
		}
		b, a := before[k], after[k]
		if reflect.DeepEqual(b, a) {
			continue
		}
		if k == "pci_devices" {
			if pciChanged(before, after) {
				out = append(out, describePCI(b, a))
			}
			continue
		}
		out = append(out, describe(k, b, a))
	}
	for _, k := range []string{"disk", "network_interface"} {
		if reflect.DeepEqual(before[k], after[k]) || after[k] == nil {
			continue
		}
		bl, _ := before[k].([]any)
		al, _ := after[k].([]any)
		if len(bl) == len(al) {
			out = append(out, k+" blocks changed")
		} else {
			out = append(out, fmt.Sprintf("%s blocks %d → %d", k, len(bl), len(al)))
		}
	}
	return strings.Join(out, ", ")
}

func describe(k string, b, a any) string {
	if sensitive[k] {
		return k + " (sensitive)"
	}
	switch av := a.(type) {
	case map[string]any:
		bv, _ := b.(map[string]any)
		keys := make([]string, 0, len(av)+len(bv))
		for mk := range av {
			keys = append(keys, mk)
		}
		for mk := range bv {
			if _, ok := av[mk]; !ok {
				keys = append(keys, mk)
			}
		}
		slices.Sort(keys)
		var parts []string
		for _, mk := range keys {
			if old, nw := bv[mk], av[mk]; !reflect.DeepEqual(old, nw) {
				parts = append(parts, fmt.Sprintf("%s[%q] %s → %s", k, mk, show(old), show(nw)))
			}
		}
		return strings.Join(parts, ", ")
	case []any:
		return k
	}
	return fmt.Sprintf("%s %s → %s", k, show(b), show(a))
}

func show(v any) string {
	if v == nil {
		return "null"
	}
	b, _ := json.Marshal(v)
	return string(b)
}
