// Package review turns the JSON of a saved plan (`terraform show -json
// tfplan`) into one page an approver can decide on: ceso's changes grouped
// by what they do to the host, the object and host of each, the highest
// mode they need, the grant command that covers them, and what the apply
// will refuse. It reads only the plan and the policy file: no host is
// contacted, so a reviewer needs no credentials.
package review

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/esxi-commander/terraform-provider-ceso/internal/policy"
)

// Effect is what a change does, in the words an approver decides on. One
// resource change can have several (an update that removes a disk and
// power-cycles the VM).
type Effect string

// The effects, from harmless to data loss.
const (
	Created        Effect = "created"
	ChangedInPlace Effect = "changed_in_place"
	PowerCycled    Effect = "power_cycled"
	ForcedPowerOff Effect = "forced_power_off"
	Reverted       Effect = "reverted_to_snapshot"
	RestoredOver   Effect = "restored_over"
	Destroyed      Effect = "destroyed_or_replaced"
	FilesDeleted   Effect = "files_deleted"
	BackupsPruned  Effect = "backups_pruned"
)

// Effects lists every effect in page order with its heading.
func Effects() []Effect {
	return []Effect{Created, ChangedInPlace, PowerCycled, ForcedPowerOff, Reverted, RestoredOver, Destroyed, FilesDeleted, BackupsPruned}
}

// Title is the effect's heading on the page.
func (e Effect) Title() string {
	switch e {
	case Created:
		return "Created"
	case ChangedInPlace:
		return "Changed in place"
	case PowerCycled:
		return "Power-cycled"
	case ForcedPowerOff:
		return "Forced power-off"
	case Reverted:
		return "Reverted to a snapshot"
	case RestoredOver:
		return "Restored from a backup"
	case Destroyed:
		return "Destroyed or replaced"
	case FilesDeleted:
		return "Files deleted"
	case BackupsPruned:
		return "Backups pruned"
	}
	return string(e)
}

// Item is one effect of one change and the guard action it is checked as.
// Mode is always the action's policy.RequiredMode, so the mode a review
// names and the mode the apply checks cannot drift apart.
type Item struct {
	Effect Effect        `json:"effect"`
	Action policy.Action `json:"action"`
	Mode   policy.Mode   `json:"mode"`
	Detail string        `json:"detail,omitempty"`
}

// Change is one ceso resource the plan changes.
type Change struct {
	Address string   `json:"address"`
	Type    string   `json:"resource_type"`
	Actions []string `json:"actions"`
	// Object names what the change is to: the VM name a grant's scope is
	// matched against, or a cloud-init payload's hostname, which no scope
	// is matched against (Unscoped); "" when it is known only at apply.
	Object string `json:"object"`
	// Unscoped says Object is not matched against a grant's scope: a
	// cloud-init payload writes nothing to a host, and the provider guards
	// it by mode alone.
	Unscoped bool `json:"unscoped,omitempty"`
	// ObjectKind says what Object is, e.g. "VM" or "hostname".
	ObjectKind string `json:"object_kind"`
	// Also lists other names the change needs in scope: a renamed VM's
	// current name, which Object (the new name) replaces.
	Also []string `json:"also_in_scope,omitempty"`
	// Host is the ESXi host or vCenter the change goes to, as configured.
	Host  string `json:"host"`
	Items []Item `json:"effects"`
	// StateID is the object's id in state ("" for a new object) and VMID
	// the VM a ceso_backup is of: the identities a plan-bound grant names
	// (see GrantID).
	StateID string `json:"-"`
	VMID    string `json:"-"`
}

// GrantID is the identity the guard checks an item's action against in a
// plan-bound grant: the object's UUID for a change to an existing object,
// the VM's UUID for what a new backup does (its retention).
func (c Change) GrantID(a policy.Action) string {
	if a.TerraformAction() == "create" {
		return c.VMID
	}
	return c.StateID
}

// mode is the highest mode the change's effects need.
func (c Change) mode() policy.Mode {
	m := policy.Restricted
	for _, it := range c.Items {
		m = max(m, it.Mode)
	}
	return m
}

// Grant is the elevation that covers every change of the plan.
type Grant struct {
	Mode  policy.Mode `json:"mode"`
	Scope []string    `json:"scope"`
	// Command issues a grant by mode and scope; PlanCommand a grant bound to
	// this plan. Recommended says which one to run.
	Command     string `json:"command"`
	PlanCommand string `json:"plan_command"`
	Recommended string `json:"recommended"`
}

// Report is the whole review. The text page and --json print the same data.
type Report struct {
	Plan    string   `json:"plan"`
	Changes []Change `json:"changes"`
	// OtherChanges counts changes of other providers' resources, which the
	// review does not judge.
	OtherChanges int `json:"other_changes"`
	// HighestMode is "" when the plan changes nothing of ceso's.
	HighestMode string   `json:"highest_mode"`
	Grant       *Grant   `json:"grant,omitempty"`
	Policy      string   `json:"policy"`
	Warnings    []string `json:"warnings"`
}

// Options are what a review needs besides the plan.
type Options struct {
	// PlanPath is the plan JSON's file name, used in the grant command.
	PlanPath string
	// Policy is the policy the provider would read; PolicyErr why it could
	// not be read (the provider then refuses to start).
	Policy    *policy.Policy
	PolicyErr error
	// PlanBound makes the plan-bound grant the recommended command.
	PlanBound bool
}

// Build reviews the plan JSON read from r.
func Build(r io.Reader, opts Options) (*Report, error) {
	p, err := parsePlan(r)
	if err != nil {
		return nil, err
	}
	rep := &Report{Plan: opts.PlanPath, Changes: []Change{}, Warnings: []string{}}
	if p.Errored {
		rep.Warnings = append(rep.Warnings, "The plan did not complete (errored): it cannot be applied. Fix the errors and plan again.")
	}
	x := newIndex(p)
	for i := range p.ResourceChanges {
		rc := &p.ResourceChanges[i]
		if rc.Mode == "data" || !changes(rc.Change.Actions) {
			continue
		}
		if !isCeso(rc) {
			rep.OtherChanges++
			continue
		}
		c, warns := x.review(rc)
		rep.Changes = append(rep.Changes, c)
		rep.Warnings = append(rep.Warnings, warns...)
	}
	rep.coverWithGrant(opts)
	rep.checkPolicy(opts, x.modes())
	return rep, nil
}

// changes reports whether the actions change anything.
func changes(actions []string) bool {
	for _, a := range actions {
		if a == "create" || a == "update" || a == "delete" {
			return true
		}
	}
	return false
}

// isCeso matches ceso's resources by provider address, whichever registry
// host the CLI names (registry.terraform.io or registry.opentofu.org).
func isCeso(rc *resourceChange) bool {
	return strings.HasSuffix(rc.ProviderName, "/ceso") || strings.HasPrefix(rc.Type, "ceso_")
}

// coverWithGrant works out the grant that covers every change: the highest mode
// any change needs, and every object any change touches.
func (rep *Report) coverWithGrant(opts Options) {
	hi := policy.Mode(0)
	var scope, hosts []string
	for _, c := range rep.Changes {
		m := c.mode()
		if m <= policy.Restricted {
			continue
		}
		hi = max(hi, m)
		switch {
		case c.Unscoped:
		case c.Object == "":
			rep.Warnings = append(rep.Warnings, fmt.Sprintf("%s: the %s is known only at apply, so the grant's scope below cannot name it; add it to --scope yourself.", c.Address, strings.ToLower(c.ObjectKind)))
		default:
			scope = append(scope, c.Object)
		}
		scope = append(scope, c.Also...)
		hosts = append(hosts, c.Host)
	}
	if hi == 0 {
		return
	}
	slices.Sort(scope)
	scope = slices.Compact(scope)
	rep.HighestMode = hi.String()
	slices.Sort(hosts)
	hosts = slices.Compact(hosts)
	host := ""
	if len(hosts) == 1 {
		host = hosts[0]
	} else if len(hosts) > 1 {
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("the plan changes %d hosts (%s); a grant names one host, so issue one grant per host.", len(hosts), strings.Join(hosts, ", ")))
	}
	rep.Grant = GrantCommands(opts.PlanPath, hi, scope, grantHost(host), opts.PlanBound)
}

// checkPolicy states which policy applies and warns about changes it
// refuses whatever grant is issued. modes are the mode words provider blocks
// set in the configuration.
func (rep *Report) checkPolicy(opts Options, modes []string) {
	if opts.PolicyErr != nil {
		rep.Policy = "unreadable"
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("The policy cannot be read (%v): the provider refuses to start until it is fixed.", opts.PolicyErr))
		return
	}
	pol := opts.Policy
	if pol == nil {
		pol = policy.NoPolicy()
	}
	var keys []string
	for _, k := range pol.TrustedKeys {
		keys = append(keys, k.Name)
	}
	rep.Policy = fmt.Sprintf("%s: max_mode %s, trusted approvers: %s", pol.Source(), pol.MaxMode, orNone(strings.Join(keys, ", ")))
	if rep.Grant == nil || len(keys) > 0 {
		return // with a trusted key, a grant lifts any ceiling
	}
	need := rep.Grant.Mode
	for _, word := range modes {
		if m, err := policy.ParseMode(word); err == nil && m < need && m <= pol.MaxMode {
			rep.Warnings = append(rep.Warnings, fmt.Sprintf("The provider block sets mode = %q, below the %s this plan needs, and no approver key is trusted (%s), "+
				"so no grant can lift it: the apply will refuse those changes.", word, need, pol.Source()))
			return
		}
	}
	switch {
	case need > pol.MaxMode:
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("This plan needs %s mode; the %s allows at most %s and trusts no approver key, "+
			"so the apply will refuse those changes whatever grant is issued.", need, pol.Source(), pol.MaxMode))
	case need > policy.DefaultMode:
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("This plan needs %s mode, and no approver key is trusted (%s), so no grant is accepted: "+
			"the apply runs those changes only with mode = \"%s\" (or CESO_MODE=%s).", need, pol.Source(), need, need))
	}
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
