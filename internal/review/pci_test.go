package review

import (
	"bytes"
	"strings"
	"testing"
)

// The page names the passthrough devices an update adds and removes, and
// says that a running VM cannot take them without a power cycle.
func TestPCIDevicesPage(t *testing.T) {
	t.Parallel()
	dev := func(kv ...string) map[string]any {
		m := map[string]any{"host_id": nil, "vendor_id": nil, "device_id": nil}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	for name, tc := range map[string]struct {
		before, after map[string]any
		want          []string
	}{
		"swap on a powered-off VM": {
			vm("a", "power_state", "off", "pci_devices", []any{dev("host_id", "0000:3b:00.0")}, "memory_reservation_locked_to_max", true),
			vm("a", "power_state", "off", "pci_devices", []any{dev("vendor_id", "0x10de", "device_id", "0x1eb8")}, "memory_reservation_locked_to_max", true),
			[]string{"pci_devices + vendor_id 0x10de device_id 0x1eb8, - host_id 0000:3b:00.0"},
		},
		"first device on a running VM": {
			vm("a", "memory_reservation_locked_to_max", false),
			vm("a", "pci_devices", []any{dev("host_id", "0000:3b:00.0")}, "memory_reservation_locked_to_max", true),
			[]string{"pci_devices + host_id 0000:3b:00.0", "memory_reservation_locked_to_max false → true", "pci_devices needs the VM powered off"},
		},
		"all removed": {
			vm("a", "power_state", "off", "pci_devices", []any{dev("host_id", "0000:3b:00.0")}),
			vm("a", "power_state", "off", "pci_devices", nil),
			[]string{"pci_devices - host_id 0000:3b:00.0"},
		},
		"vtpm on a running VM": {
			vm("a", "vtpm", false), vm("a", "vtpm", true),
			[]string{"vtpm false → true", "vtpm needs the VM powered off"},
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var page bytes.Buffer
			if err := build(t, planOf(rc("ceso_vm.a", []string{"update"}, tc.before, tc.after)), Options{Policy: alicePolicy}).WriteText(&page); err != nil {
				t.Fatal(err)
			}
			for _, want := range tc.want {
				if !strings.Contains(page.String(), want) {
					t.Errorf("page lacks %q:\n%s", want, page.String())
				}
			}
		})
	}
}
