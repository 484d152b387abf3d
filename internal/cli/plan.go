package cli

import (
	"fmt"
	"os"
	"slices"
	"sort"

	"github.com/esxi-commander/terraform-provider-ceso/internal/policy"
	"github.com/esxi-commander/terraform-provider-ceso/internal/review"
)

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
// The changes come from the review's classification, so the page an
// approver reads and the grant bound to the plan cannot disagree.
func readPlan(path string) ([]plannedChange, error) {
	f, err := os.Open(path) //nolint:gosec // G304: the approver names the plan to read.
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rep, err := review.Build(f, review.Options{PlanPath: path})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var out []plannedChange
	for _, c := range rep.Changes {
		for _, it := range c.Items {
			if !it.Action.Destructive() {
				continue
			}
			id := c.GrantID(it.Action)
			pc := policy.Change{Type: c.Type, ID: id, Action: it.Action.TerraformAction()}
			if id == "" || slices.ContainsFunc(out, func(o plannedChange) bool { return o.Change == pc }) {
				continue
			}
			out = append(out, plannedChange{Change: pc, Address: c.Address, Why: it.Detail})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Address < out[j].Address })
	return out, nil
}
