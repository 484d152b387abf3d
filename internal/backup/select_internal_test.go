package backup

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// exclude_disks names: a place, a label in any case, a bus:unit only when
// one controller family has it; an unknown or ambiguous name lists the VM's
// disks and how to name one.
func TestExcludedNames(t *testing.T) {
	t.Parallel()
	disk := func(label, family string, bus, unit int32) srcDisk {
		return srcDisk{info: Disk{Label: label, Controller: family, Bus: bus, Unit: unit, CapacityBytes: 1 << 30}, file: "[ds] vm/" + label + ".vmdk"}
	}
	disks := []srcDisk{disk("Hard disk 1", "scsi", 0, 0), disk("Hard disk 2", "scsi", 0, 1), disk("Hard disk 3", "sata", 0, 0)}
	for _, tc := range []struct {
		name    string
		names   []string
		want    []int
		phrases []string
	}{
		{name: "slot", names: []string{"scsi:0:1"}, want: []int{1}},
		{name: "label any case", names: []string{"hard DISK 3"}, want: []int{2}},
		{name: "bus and unit of one family", names: []string{"0:1"}, want: []int{1}},
		{name: "same disk twice", names: []string{"scsi:0:1", "Hard disk 2"}, want: []int{1}},
		{name: "ambiguous bus and unit", names: []string{"0:0"}, phrases: []string{`"0:0" (matches scsi:0:0 and sata:0:0)`, `e.g. "scsi:0:1"`}},
		{name: "unknown", names: []string{"nvme:0:0"}, phrases: []string{`names no disk of VM vm: "nvme:0:0"`, "Hard disk 1 (scsi:0:0, 1.0 GiB), Hard disk 2 (scsi:0:1, 1.0 GiB), Hard disk 3 (sata:0:0, 1.0 GiB)"}},
	} {
		got, err := excluded(tc.names, disks, "vm")
		if len(tc.phrases) > 0 {
			fe, ok := AsFieldError(err)
			if !ok || fe.Field != "exclude_disks" {
				t.Errorf("%s: err = %v, want an error on exclude_disks", tc.name, err)
				continue
			}
			for _, p := range tc.phrases {
				if !strings.Contains(fe.Detail, p) {
					t.Errorf("%s: %q does not say %q", tc.name, fe.Detail, p)
				}
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		var idx []int
		for i := range disks {
			if got[i] {
				idx = append(idx, i)
			}
		}
		if diff := cmp.Diff(tc.want, idx); diff != "" {
			t.Errorf("%s: excluded (-want +got):\n%s", tc.name, diff)
		}
	}
	// Warnings name the disk, its place and why.
	w := skipWarnings("vm", []SkippedDisk{{Label: "Hard disk 4", Controller: "scsi", Bus: 0, Unit: 3, CapacityBytes: 2 << 30, Source: "[ds] vm/rdm.vmdk", Reason: SkipRDM}})
	if len(w) != 1 || !strings.Contains(w[0], "Hard disk 4 (scsi:0:3, 2.0 GiB, [ds] vm/rdm.vmdk)") || !strings.Contains(w[0], "raw device mapping") {
		t.Errorf("warnings %q", w)
	}
}
