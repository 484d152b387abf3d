package review

import (
	"fmt"
	"reflect"
	"strings"
)

// pciEntries renders a ceso_vm's pci_devices as the entries name them.
func pciEntries(v any) []string {
	l, _ := v.([]any)
	out := make([]string, 0, len(l))
	for _, e := range l {
		m, _ := e.(map[string]any)
		if id, _ := m["host_id"].(string); id != "" {
			out = append(out, "host_id "+id)
			continue
		}
		vendor, _ := m["vendor_id"].(string)
		device, _ := m["device_id"].(string)
		out = append(out, fmt.Sprintf("vendor_id %s device_id %s", vendor, device))
	}
	return out
}

// describePCI says which passthrough devices an update adds and removes:
// "pci_devices + host_id 0000:3b:00.0, - vendor_id 0x10de device_id 0x1eb8".
func describePCI(before, after any) string {
	b, a := pciEntries(before), pciEntries(after)
	var parts []string
	for _, e := range a {
		if !remove(&b, e) {
			parts = append(parts, "+ "+e)
		}
	}
	for _, e := range b {
		parts = append(parts, "- "+e)
	}
	if len(parts) == 0 {
		return "pci_devices reordered"
	}
	return "pci_devices " + strings.Join(parts, ", ")
}

// remove takes one e out of list, reporting whether it was there.
func remove(list *[]string, e string) bool {
	for i, x := range *list {
		if strings.EqualFold(x, e) {
			*list = append((*list)[:i], (*list)[i+1:]...)
			return true
		}
	}
	return false
}

// pciChanged reports whether the passthrough devices change (no list and
// an empty one are the same: no devices).
func pciChanged(before, after map[string]any) bool {
	return !reflect.DeepEqual(pciEntries(before["pci_devices"]), pciEntries(after["pci_devices"]))
}
