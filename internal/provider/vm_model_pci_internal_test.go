package provider

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/vm"
)

func pciList(t *testing.T, entries ...vmPCIModel) types.List {
	t.Helper()
	l, d := types.ListValueFrom(context.Background(), pciObjectType, append([]vmPCIModel{}, entries...))
	if d.HasError() {
		t.Fatal(d)
	}
	return l
}

func pciEntry(host, vendor, device string) vmPCIModel {
	s := func(v string) types.String {
		if v == "" {
			return types.StringNull()
		}
		return types.StringValue(v)
	}
	return vmPCIModel{HostID: s(host), VendorID: s(vendor), DeviceID: s(device)}
}

// The state keeps each entry's place and spelling where it names a device
// of the VM, adds the VM's other devices as the host names them, and stays
// null when neither the configuration nor the VM has any.
func TestFillPassthrough(t *testing.T) {
	t.Parallel()
	static := vm.PCIDeviceState{HostID: "0000:3b:00.0", VendorID: 0x10de, DeviceID: 0x1eb8}
	dynamic := vm.PCIDeviceState{Dynamic: true, VendorID: 0x10de, DeviceID: 0x1eb8}
	for name, tc := range map[string]struct {
		prior types.List
		read  []vm.PCIDeviceState
		want  types.List
	}{
		"spelling and order kept": {
			prior: pciList(t, pciEntry("", "10DE", "0x1EB8"), pciEntry("0000:3B:00.0", "", "")),
			read:  []vm.PCIDeviceState{static, dynamic},
			want:  pciList(t, pciEntry("", "10DE", "0x1EB8"), pciEntry("0000:3B:00.0", "", "")),
		},
		"a device no entry names is shown": {
			prior: pciList(t, pciEntry("0000:3b:00.0", "", "")),
			read:  []vm.PCIDeviceState{static, dynamic},
			want:  pciList(t, pciEntry("0000:3b:00.0", "", ""), pciEntry("", "0x10de", "0x1eb8")),
		},
		"an entry the VM lacks is dropped": {
			prior: pciList(t, pciEntry("0000:af:00.0", "", "")),
			read:  nil,
			want:  pciList(t),
		},
		"none stays null":      {prior: types.ListNull(pciObjectType), want: types.ListNull(pciObjectType)},
		"import shows devices": {prior: types.ListNull(pciObjectType), read: []vm.PCIDeviceState{dynamic}, want: pciList(t, pciEntry("", "0x10de", "0x1eb8"))},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			m := vmModel{PCIDevices: tc.prior}
			var diags diag.Diagnostics
			m.fillPassthrough(context.Background(), &vm.VMState{PCIDevices: tc.read, MemoryReservationLocked: true}, &diags)
			if diags.HasError() {
				t.Fatal(diags)
			}
			if !m.PCIDevices.Equal(tc.want) {
				t.Errorf("pci_devices = %s, want %s", m.PCIDevices, tc.want)
			}
			if diff := cmp.Diff(types.BoolValue(true), m.MemoryLocked); diff != "" {
				t.Error(diff)
			}
		})
	}
}
