package provider

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestUpgradeVMJSONV0SplitsUnitNumbers(t *testing.T) {
	t.Parallel()
	in := `{"name":"x","disk":[
		{"controller_type":"scsi","unit_number":0},
		{"controller_type":"scsi","unit_number":17},
		{"controller_type":"sata","unit_number":31},
		{"controller_type":"ide","unit_number":3},
		{"controller_type":null,"unit_number":null}]}`
	out, err := upgradeVMJSONV0([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Name string `json:"name"`
		Disk []struct {
			Bus  *int `json:"bus_number"`
			Unit *int `json:"unit_number"`
		} `json:"disk"`
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	n := func(v int) *int { return &v }
	want := []struct{ bus, unit *int }{{n(0), n(0)}, {n(1), n(1)}, {n(1), n(1)}, {n(1), n(1)}, {nil, nil}}
	for i, w := range want {
		if diff := cmp.Diff(w.bus, got.Disk[i].Bus); diff != "" {
			t.Errorf("disk %d bus_number (-want +got):\n%s", i, diff)
		}
		if diff := cmp.Diff(w.unit, got.Disk[i].Unit); diff != "" {
			t.Errorf("disk %d unit_number (-want +got):\n%s", i, diff)
		}
	}
	if got.Name != "x" {
		t.Errorf("other attributes changed: name = %q", got.Name)
	}
	if _, err := upgradeVMJSONV0([]byte(`{"disk":[{"unit_number":-1}]}`)); err == nil {
		t.Error("a negative unit number was upgraded without error")
	}
}
