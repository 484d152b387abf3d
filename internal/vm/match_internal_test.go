package vm

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vmware/govmomi/vim25/types"
)

func scsiDisk(bus, unit int32) diskInfo {
	return diskInfo{slot: slot{family: ControllerSCSI, bus: bus, unit: unit}, file: fmt.Sprintf("[ds] vm/d%d_%d.vmdk", bus, unit), capacityKB: 1 << 20}
}

func TestMatchDisksByIdentity(t *testing.T) {
	t.Parallel()
	three := []diskInfo{scsiDisk(0, 0), scsiDisk(0, 1), scsiDisk(0, 2)}
	free := func(int32) Disk { return Disk{UnitNumber: -1, Bus: -1, SizeGiB: 1} }
	at := func(bus, unit int32) Disk { return Disk{UnitNumber: unit, Bus: bus, SizeGiB: 1} }
	sl := func(bus, unit int32) slot { return slot{family: ControllerSCSI, bus: bus, unit: unit} }
	attached := func(p string) Disk { return Disk{Attach: true, Path: p, UnitNumber: -1, Bus: -1} }
	shared := scsiDisk(0, 1)
	shared.file, shared.outside = "[ds] shared/a.vmdk", true
	withShared := []diskInfo{scsiDisk(0, 0), shared}
	for _, tc := range []struct {
		name    string
		decl    []Disk
		have    []diskInfo
		create  bool
		want    []slot
		wantErr string
	}{
		{name: "same disks in order", decl: []Disk{free(0), free(1), free(2)}, have: three, want: []slot{sl(0, 0), sl(0, 1), sl(0, 2)}},
		{name: "a block gone without names is ambiguous", decl: []Disk{free(0), free(1)}, have: three, wantErr: "disk[0].unit_number"},
		{name: "named blocks remove the first", decl: []Disk{at(0, 1), at(0, 2)}, have: three, want: []slot{sl(0, 1), sl(0, 2)}},
		{name: "named blocks remove the middle", decl: []Disk{at(0, 0), at(0, 2)}, have: three, want: []slot{sl(0, 0), sl(0, 2)}},
		{name: "one named, the rest in order", decl: []Disk{free(0), at(0, 0), free(1)}, have: three, want: []slot{sl(0, 1), sl(0, 0), sl(0, 2)}},
		{name: "an added disk takes the next free unit", decl: []Disk{free(0), free(1), free(2), free(3)}, have: three, want: []slot{sl(0, 0), sl(0, 1), sl(0, 2), sl(0, 3)}},
		{name: "new disks skip the controller's unit", decl: []Disk{at(0, 0), at(0, 1), at(0, 2), at(0, 3), at(0, 4), at(0, 5), at(0, 6), free(7)},
			want: []slot{sl(0, 0), sl(0, 1), sl(0, 2), sl(0, 3), sl(0, 4), sl(0, 5), sl(0, 6), sl(0, 8)}},
		{name: "wide PVSCSI unit on bus 0", decl: []Disk{at(0, 0), at(0, 20)}, have: []diskInfo{scsiDisk(0, 0), scsiDisk(0, 20)}, want: []slot{sl(0, 0), sl(0, 20)}},
		{name: "a version 0 unit number is refused", decl: []Disk{at(0, 0), {UnitNumber: 17, Bus: -1}}, have: []diskInfo{scsiDisk(0, 0), scsiDisk(1, 1)}, wantErr: "bus_number = 1 and unit_number = 1"},
		{name: "create matches in order", decl: []Disk{free(0)}, have: three, create: true, want: []slot{sl(0, 0)}},
		// An attached disk is its path: the first of two blocks naming it
		// keeps the disk at unit 1 though it comes first, and a block
		// without a unit never takes an attached disk.
		{name: "attached disk by path", decl: []Disk{attached("[ds] shared/a.vmdk"), free(0)}, have: withShared, want: []slot{sl(0, 1), sl(0, 0)}},
		{name: "attached disk with the path spelt otherwise", decl: []Disk{free(0), attached("[ds]shared//a.vmdk")}, have: withShared, want: []slot{sl(0, 0), sl(0, 1)}},
		{name: "an attached disk no block names is not ambiguous", decl: []Disk{free(0)}, have: withShared, want: []slot{sl(0, 0)}},
		{name: "a new attached disk takes the next free unit", decl: []Disk{free(0), attached("[ds] shared/b.vmdk")}, have: withShared[:1], want: []slot{sl(0, 0), sl(0, 1)}},
		{name: "an attached disk is where it is", decl: []Disk{free(0), {Attach: true, Path: "[ds] shared/a.vmdk", UnitNumber: 3, Bus: -1}}, have: withShared, wantErr: "set it to 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := matchDisks(tc.decl, tc.have, tc.create)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(errText(err), tc.wantErr) {
					t.Fatalf("matchDisks error = %v, want one mentioning %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(slot{})); diff != "" {
				t.Errorf("slots (-want +got):\n%s", diff)
			}
		})
	}
}

func nicWithMAC(mac string) types.BaseVirtualDevice {
	return &types.VirtualVmxnet3{VirtualVmxnet: types.VirtualVmxnet{VirtualEthernetCard: types.VirtualEthernetCard{MacAddress: mac}}}
}

func TestMatchNICsByMAC(t *testing.T) {
	t.Parallel()
	two := []types.BaseVirtualDevice{nicWithMAC("00:0c:29:00:00:0a"), nicWithMAC("00:0c:29:00:00:0b")}
	for _, tc := range []struct {
		name    string
		macs    []string
		want    []int
		wantErr string
	}{
		{name: "second named keeps it", macs: []string{"00:0C:29:00:00:0B"}, want: []int{1}},
		{name: "one unnamed block for two adapters", macs: []string{""}, wantErr: "network_interface[0].mac_address"},
		{name: "both unnamed in order", macs: []string{"", ""}, want: []int{0, 1}},
		{name: "a third is new", macs: []string{"", "", ""}, want: []int{0, 1, -1}},
		{name: "a generated address the VM lacks", macs: []string{"00:0c:29:00:00:0c", "00:0c:29:00:00:0a"}, wantErr: "00:0c:29:00:00:0c"},
		{name: "a new static address takes the unnamed adapter", macs: []string{"00:50:56:00:00:01", "00:0c:29:00:00:0a"}, want: []int{1, 0}},
		{name: "the same adapter twice", macs: []string{"00:0c:29:00:00:0a", "00:0c:29:00:00:0a"}, wantErr: "Duplicate"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			decl := make([]NIC, len(tc.macs))
			for i, m := range tc.macs {
				decl[i] = NIC{Network: "VM Network", MAC: m}
			}
			got, err := matchNICs(decl, two, false)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(errText(err), tc.wantErr) {
					t.Fatalf("matchNICs error = %v, want one mentioning %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("adapters (-want +got):\n%s", diff)
			}
		})
	}
}

// errText is an error with the paths and summaries of its field errors.
func errText(err error) string {
	s := err.Error()
	for _, fe := range FieldErrors(err) {
		s += " " + fe.Path() + " " + fe.Summary
	}
	return s
}

func TestSlotForms(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]slot{
		"scsi:0:20": {family: ControllerSCSI, bus: 0, unit: 20},
		"scsi:17":   {family: ControllerSCSI, bus: 1, unit: 1}, // as schema version 0 wrote it
		"sata:31":   {family: ControllerSATA, bus: 1, unit: 1},
		"nvme:2:3":  {family: ControllerNVMe, bus: 2, unit: 3},
	} {
		got, ok := parseSlot(in)
		if !ok || got != want {
			t.Errorf("parseSlot(%q) = %+v, %v; want %+v", in, got, ok, want)
		}
		if ok && len(strings.Split(in, ":")) == 3 && got.String() != in {
			t.Errorf("slot %+v prints as %q, want %q", got, got.String(), in)
		}
	}
	for _, bad := range []string{"floppy:0", "scsi", "scsi:x", "scsi:-1", "scsi:0:1:2"} {
		if _, ok := parseSlot(bad); ok {
			t.Errorf("parseSlot(%q) accepted", bad)
		}
	}
	if bus, unit := SplitLegacyUnit(ControllerIDE, 3); bus != 1 || unit != 1 {
		t.Errorf("SplitLegacyUnit(ide, 3) = %d, %d; want 1, 1", bus, unit)
	}
	if bus, unit := SplitLegacyUnit("", 33); bus != 2 || unit != 1 {
		t.Errorf("SplitLegacyUnit(\"\", 33) = %d, %d; want SCSI's 2, 1", bus, unit)
	}
	a := map[slot]bool{{family: ControllerSCSI, unit: 1}: true}
	if !sameSlots(a, keptSlots(map[string]string{KeyKeepOnRemove: "scsi:1"})) || sameSlots(a, map[slot]bool{}) ||
		sameSlots(a, map[slot]bool{{family: ControllerSCSI, unit: 2}: true}) {
		t.Error("sameSlots does not compare the sets of kept disks")
	}
}
