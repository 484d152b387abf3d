package provider

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"

	"github.com/esxi-commander/terraform-provider-ceso/internal/vm"
)

var _ resource.ResourceWithUpgradeState = (*vmResource)(nil)

// UpgradeState upgrades ceso_vm state of schema version 0, whose disk
// unit_number counted across the controllers of a family (SCSI 17 was bus
// 1 unit 1), to version 1, where unit_number is the unit on the controller
// and bus_number names the controller. Nothing else changed, so the JSON is
// rewritten in place (no prior schema is needed).
func (r *vmResource) UpgradeState(context.Context) map[int64]resource.StateUpgrader {
	return map[int64]resource.StateUpgrader{0: {StateUpgrader: upgradeVMStateV0}}
}

func upgradeVMStateV0(_ context.Context, req resource.UpgradeStateRequest, resp *resource.UpgradeStateResponse) {
	if req.RawState == nil || req.RawState.JSON == nil {
		resp.Diagnostics.AddError("Cannot Upgrade VM State", "The stored ceso_vm state is empty or not JSON. Remove the resource from the state and import the VM again.")
		return
	}
	out, err := upgradeVMJSONV0(req.RawState.JSON)
	if err != nil {
		resp.Diagnostics.AddError("Cannot Upgrade VM State",
			fmt.Sprintf("The stored ceso_vm state (schema version 0) could not be read: %v. Remove the resource from the state and import the VM again.", err))
		return
	}
	resp.DynamicValue = &tfprotov6.DynamicValue{JSON: out}
}

// upgradeVMJSONV0 adds bus_number to every disk and makes unit_number the
// unit on that bus.
func upgradeVMJSONV0(in []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(in))
	dec.UseNumber()
	var st map[string]any
	if err := dec.Decode(&st); err != nil {
		return nil, err
	}
	disks, _ := st["disk"].([]any)
	for i, d := range disks {
		m, ok := d.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("disk %d is not an object", i)
		}
		m["bus_number"] = nil
		n, ok := m["unit_number"].(json.Number)
		if !ok {
			continue // null: not known yet
		}
		v, err := n.Int64()
		if err != nil || v < 0 || v > 1<<20 {
			return nil, fmt.Errorf("disk %d has unit_number %s", i, n)
		}
		fam, _ := m["controller_type"].(string)
		bus, unit := vm.SplitLegacyUnit(fam, int32(v))
		m["bus_number"], m["unit_number"] = bus, unit
	}
	return json.Marshal(st)
}
