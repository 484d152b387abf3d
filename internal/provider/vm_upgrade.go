package provider

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/resource"

	"github.com/esxi-commander/terraform-provider-ceso/internal/vm"
)

var _ resource.ResourceWithUpgradeState = (*vmResource)(nil)

// UpgradeState upgrades ceso_vm state of schema version 0, whose disk
// unit_number counted across the controllers of a family (SCSI 17 was bus
// 1 unit 1), to version 1, where unit_number is the unit on the controller
// and bus_number names the controller. Nothing else changed, so the JSON is
// rewritten in place (no prior schema is needed).
func (r *vmResource) UpgradeState(context.Context) map[int64]resource.StateUpgrader {
	return map[int64]resource.StateUpgrader{0: jsonUpgrader("ceso_vm", "VM", "VM", upgradeVMV0)}
}

// upgradeVMJSONV0 is upgradeVMV0 on stored JSON.
func upgradeVMJSONV0(in []byte) ([]byte, error) { return rewriteStateJSON(in, upgradeVMV0) }

// upgradeVMV0 adds bus_number to every disk and makes unit_number the
// unit on that bus.
func upgradeVMV0(st map[string]any) error {
	disks, _ := st["disk"].([]any)
	for i, d := range disks {
		m, ok := d.(map[string]any)
		if !ok {
			return fmt.Errorf("disk %d is not an object", i)
		}
		m["bus_number"] = nil
		n, ok := m["unit_number"].(json.Number)
		if !ok {
			continue // null: not known yet
		}
		v, err := n.Int64()
		if err != nil || v < 0 || v > 1<<20 {
			return fmt.Errorf("disk %d has unit_number %s", i, n)
		}
		fam, _ := m["controller_type"].(string)
		bus, unit := vm.SplitLegacyUnit(fam, int32(v))
		m["bus_number"], m["unit_number"] = bus, unit
	}
	return nil
}
