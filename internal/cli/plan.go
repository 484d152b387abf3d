package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strings"

	"github.com/esxi-commander/terraform-provider-ceso/internal/policy"
)

// maxPlanBytes bounds the plan JSON read; a plan of thousands of VMs is a
// few MiB.
const maxPlanBytes = 256 << 20

// planJSON is the part of `terraform show -json tfplan` (or `tofu show
// -json`) that says what changes.
type planJSON struct {
	FormatVersion   string `json:"format_version"`
	ResourceChanges []struct {
		Address string `json:"address"`
		Mode    string `json:"mode"`
		Type    string `json:"type"`
		Change  struct {
			Actions []string       `json:"actions"`
			Before  map[string]any `json:"before"`
			After   map[string]any `json:"after"`
		} `json:"change"`
	} `json:"resource_changes"`
}

// plannedChange is one elevated change with the resource address, for the
// approver's eyes.
type plannedChange struct {
	policy.Change
	Address string
	Why     string
}

// readPlan reads a JSON plan and lists the ceso changes that need an
// elevation in standard mode, with the identity the provider checks at
// apply: the UUID of an existing object, the VM UUID a new backup is of.
func readPlan(path string) ([]plannedChange, error) {
	f, err := os.Open(path) //nolint:gosec // G304: the approver names the plan to read.
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxPlanBytes))
	if err != nil {
		return nil, err
	}
	var p planJSON
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, fmt.Errorf("%s is not a JSON plan: %w; make it with: terraform show -json tfplan > %s", path, err, path)
	}
	if p.FormatVersion == "" {
		return nil, fmt.Errorf("%s is not a JSON plan (no format_version); make it with: terraform show -json tfplan > %s", path, path)
	}
	var out []plannedChange
	for _, rc := range p.ResourceChanges {
		if rc.Mode != "managed" || !strings.HasPrefix(rc.Type, "ceso_") {
			continue
		}
		before, after, acts := rc.Change.Before, rc.Change.After, rc.Change.Actions
		add := func(id, action, why string) {
			if id != "" {
				out = append(out, plannedChange{Change: policy.Change{Type: rc.Type, ID: id, Action: action}, Address: rc.Address, Why: why})
			}
		}
		switch rc.Type {
		case "ceso_vm":
			switch {
			case slices.Contains(acts, "delete"):
				add(str(before, "id"), "delete", "the VM is deleted")
			case slices.Contains(acts, "update"):
				if why := vmUpdateEffect(before, after); why != "" {
					add(str(before, "id"), "update", why)
				}
			}
		case "ceso_backup":
			if slices.Contains(acts, "delete") && before["retain_on_destroy"] != true {
				add(str(before, "id"), "delete", "the backup's files are deleted")
			}
			if slices.Contains(acts, "create") {
				if keep, _ := after["keep"].(float64); keep > 0 {
					add(str(after, "vm"), "create", fmt.Sprintf("retention (keep = %d) may remove older backups", int(keep)))
				}
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Address < out[j].Address })
	return out, nil
}

// vmUpdateEffect says why an in-place update of a VM is destructive, or ""
// when it is not: a hard power-off, or a disk removed (whose files go).
func vmUpdateEffect(before, after map[string]any) string {
	if after["force_power_off"] == true && str(before, "power_state") == "on" && str(after, "power_state") != "on" {
		return "the VM may be powered off hard"
	}
	if disksRemoved(before["disk"], after["disk"]) {
		return "a disk is removed and its files deleted"
	}
	return ""
}

// disksRemoved compares the disks before and after by identity: the keys
// of a map, or the unit numbers of a list (a shorter list removes one).
func disksRemoved(before, after any) bool {
	if bm, ok := before.(map[string]any); ok {
		am, _ := after.(map[string]any)
		for k := range bm {
			if _, kept := am[k]; !kept {
				return true
			}
		}
		return false
	}
	bl, _ := before.([]any)
	al, _ := after.([]any)
	if len(al) < len(bl) {
		return true
	}
	units := map[any]bool{}
	for _, d := range al {
		if m, ok := d.(map[string]any); ok && m["unit_number"] != nil {
			units[m["unit_number"]] = true
		}
	}
	for _, d := range bl {
		if m, ok := d.(map[string]any); ok && m["unit_number"] != nil && len(units) > 0 && !units[m["unit_number"]] {
			return true
		}
	}
	return false
}

func str(m map[string]any, k string) string {
	s, _ := m[k].(string)
	return s
}
