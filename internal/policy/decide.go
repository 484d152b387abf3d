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

// Decide applies the mode and an optional, already verified grant to one
// action on one object at time now. It is pure: same inputs, same decision.
func Decide(mode Mode, action Action, object string, grant *Grant, now time.Time) Decision {
	d := Decision{Mode: mode, Action: action, Object: object, Required: action.RequiredMode()}
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
		err := grantCovers(grant, d.Required, object, now)
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

func grantCovers(g *Grant, required Mode, object string, now time.Time) error {
	if err := g.CheckTime(now); err != nil {
		return err
	}
	if !g.Covers(object) {
		return grantErr(ErrGrantOutOfScope, g.ID, "it covers VMs matching %s, not %q", strings.Join(g.Scope, ", "), object)
	}
	if g.Mode < required {
		return grantErr(ErrGrantInsufficientMode, g.ID, "it grants %s mode, and this action needs %s", g.Mode, required)
	}
	return nil
}

func refusalReason(d Decision) string {
	var b strings.Builder
	if d.Mode == Restricted {
		b.WriteString("restricted mode refuses every change")
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
	scope := fmt.Sprintf("%q", d.Object)
	if d.Object == "" {
		scope = "'*'"
	}
	fmt.Fprintf(&b, "; ask an approver for a grant: %s --mode %s --scope %s --reason \"...\" --approver <name> --ttl 1h, then set CESO_ELEVATION or the provider's elevation attribute",
		GrantCommand, d.Required, scope)
	return b.String()
}

// Summary is a short Title-Case diagnostic summary for a refused decision.
func (d Decision) Summary() string {
	switch {
	case d.Allowed:
		return "Change Allowed"
	case d.GrantErr != nil:
		return "Elevation Grant Does Not Apply"
	case d.Mode == Restricted:
		return "Change Refused In Restricted Mode"
	default:
		return "Elevation Required For Destructive Change"
	}
}
