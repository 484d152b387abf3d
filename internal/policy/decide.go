package policy

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Decision labels, also used as metric label values.
const (
	DecisionAllowed  = "allowed"
	DecisionElevated = "elevated"
	DecisionRefused  = "refused"
)

// GrantCommand is the command an approver runs; messages point users to it.
const GrantCommand = "terraform-provider-ceso grant issue"

// Decision is the outcome of Decide.
type Decision struct {
	Allowed bool
	// NeedsElevation is true when the action is above the mode, whether or
	// not a grant covered it.
	NeedsElevation bool
	// Required is the lowest mode in which the action runs without a grant.
	Required Mode
	Mode     Mode
	Action   Action
	Object   string
	// Reason explains the decision in words a user can act on.
	Reason string
	// Grant is the elevation that allowed the action, nil if none was used.
	Grant *Grant
	// GrantErr says why a presented grant did not apply (a *GrantError).
	GrantErr error
	// NoApprovers says no policy trusts any approver key, so asking for a
	// grant is no way on; the refusal says what is.
	NoApprovers   bool
	approversNote string
	host          string // the host name a grant for it names ("" when none is connected)
}

// Label is "allowed", "elevated" or "refused".
func (d Decision) Label() string {
	switch {
	case !d.Allowed:
		return DecisionRefused
	case d.Grant != nil:
		return DecisionElevated
	default:
		return DecisionAllowed
	}
}

// Subject is what one operation acts on, as the guard established it.
type Subject struct {
	ResourceType string
	Action       Action
	// Names are every name the grant's scope must cover: the object's name
	// on the host and, for a rename, its new name.
	Names []string
	// ID is the object's identity: the UUID of an existing object, the
	// name of a new one. Plan-bound grants list it.
	ID string
	// Hosts are the identities of the connected host (instance UUID, host
	// name, host:port); empty when no host is involved.
	Hosts []string
}

// Decide applies the mode and an optional, already verified grant to one
// action on one object at time now. It is pure: same inputs, same decision.
func Decide(mode Mode, action Action, object string, grant *Grant, now time.Time) Decision {
	return DecideSubject(mode, Subject{Action: action, Names: []string{object}}, grant, now)
}

// DecideSubject is Decide for an operation the guard resolved: every name
// must be in the grant's scope, the grant must be for this host, and a
// plan-bound grant must list the change.
func DecideSubject(mode Mode, s Subject, grant *Grant, now time.Time) Decision {
	action := s.Action
	object := strings.Join(s.Names, `", "`)
	d := Decision{Mode: mode, Action: action, Object: object, Required: action.RequiredMode()}
	if len(s.Hosts) > 0 {
		d.host = s.Hosts[0]
	}
	if !mode.Valid() {
		d.Reason = fmt.Sprintf("ceso has no valid mode (%v); this is a bug in the caller", mode)
		return d
	}
	if mode >= d.Required {
		d.Allowed = true
		d.Reason = fmt.Sprintf("%s mode allows %s", mode, action)
		return d
	}
	d.NeedsElevation = true
	if grant != nil {
		err := grantCovers(grant, d.Required, s, now)
		if err == nil {
			d.Allowed = true
			d.Grant = grant
			d.Reason = fmt.Sprintf("%s allowed by elevation grant %s from %s (%s)", action, grant.ID, grant.Approver, grant.Reason)
			return d
		}
		d.GrantErr = err
	}
	d.Reason = refusalReason(d)
	return d
}

func grantCovers(g *Grant, required Mode, s Subject, now time.Time) error {
	if err := g.CheckTime(now); err != nil {
		return err
	}
	if len(s.Hosts) > 0 && !g.ValidFor(s.Hosts) {
		return grantErr(ErrGrantWrongHost, g.ID, "it is for host %s, and this provider is connected to %s; ask for a grant for this host",
			g.Host, strings.Join(s.Hosts, " / "))
	}
	for _, name := range s.Names {
		if !g.Covers(name) {
			return grantErr(ErrGrantOutOfScope, g.ID, "it covers VMs matching %s, not %q", strings.Join(g.Scope, ", "), name)
		}
	}
	if g.Mode < required {
		return grantErr(ErrGrantInsufficientMode, g.ID, "it grants %s mode, and this action needs %s", g.Mode, required)
	}
	if len(g.Changes) > 0 {
		if _, ok := g.PlanChange(s.ResourceType, s.ID, s.Action); !ok {
			return grantErr(ErrGrantNotInPlan, g.ID, "it approves a plan of %d changes, and %s (%s of %s %s) is not one of them; plan again and ask for a grant of the new plan",
				len(g.Changes), s.Action, s.Action.TerraformAction(), s.ResourceType, s.ID)
		}
	}
	return nil
}

func refusalReason(d Decision) string {
	var b strings.Builder
	if d.Mode == Restricted {
		b.WriteString("restricted mode refuses every change")
	} else if d.NoApprovers {
		fmt.Fprintf(&b, "%s is destructive and %s mode needs an elevation for it, but %s, so no grant can be accepted; "+
			"set mode = \"unrestricted\" (or CESO_MODE=unrestricted) for this run where the policy allows it, or install a system policy (%s) with trusted_keys for your approvers",
			d.Action, d.Mode, d.approversNote, SystemPath())
		return b.String()
	} else {
		fmt.Fprintf(&b, "%s is destructive and %s mode needs an elevation for it", d.Action, d.Mode)
	}
	if d.GrantErr != nil {
		var ge *GrantError
		if errors.As(d.GrantErr, &ge) {
			fmt.Fprintf(&b, "; the elevation grant %s does not apply: %s", ge.GrantID, ge.Detail)
		} else {
			fmt.Fprintf(&b, "; the elevation grant does not apply: %v", d.GrantErr)
		}
	}
	// The hint names what this one change needs; a plan usually has more
	// than one, and the CLI shows only the first of several alike
	// warnings, so it points at review for the grant of the whole plan
	// (its highest mode). The grant travels in CESO_ELEVATION on the
	// runner: the provider block is the agent's to edit.
	scope, what := fmt.Sprintf("%q", d.Object), fmt.Sprintf("%s %q", d.Action, d.Object)
	if d.Object == "" {
		scope, what = "'*'", string(d.Action)
	}
	host := d.host
	if host == "" {
		host = "HOST"
	}
	fmt.Fprintf(&b, "; %s needs %s mode. An approver grants this one change with: %s --host %s --mode %s --scope %s --key KEY_FILE --approver NAME --reason \"...\" --ttl 1h. "+
		"For every change of the plan at once (the highest mode it needs), run terraform-provider-ceso review plan.json on the saved plan (terraform show -json tfplan > plan.json). "+
		"The apply takes the grant from CESO_ELEVATION",
		what, d.Required, GrantCommand, host, d.Required, scope)
	return b.String()
}

// WithoutApprovers marks a refusal made where no policy trusts any approver
// key, so its reason gives the ways on that exist instead of asking for a
// grant nobody can issue.
func (d Decision) WithoutApprovers(p *Policy) Decision {
	if !d.Allowed && d.Mode != Restricted && d.GrantErr == nil {
		d.NoApprovers = true
		d.approversNote = "no system policy with approvers is installed"
		if p != nil && p.Path != "" {
			d.approversNote = p.Source() + " trusts no approver key"
		}
		d.Reason = refusalReason(d)
	}
	return d
}

// Summary is a short Title-Case diagnostic summary for a refused decision.
func (d Decision) Summary() string {
	switch {
	case d.Allowed:
		return "Change Allowed"
	case errors.Is(d.GrantErr, ErrGrantNotInPlan):
		return "Change Not In The Approved Plan"
	case errors.Is(d.GrantErr, ErrGrantWrongHost):
		return "Elevation Grant For Another Host"
	case d.GrantErr != nil:
		return "Elevation Grant Does Not Apply"
	case d.Mode == Restricted:
		return "Change Refused In Restricted Mode"
	default:
		return "Elevation Required For Destructive Change"
	}
}
