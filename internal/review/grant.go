package review

import (
	"strings"

	"github.com/esxi-commander/terraform-provider-ceso/internal/policy"
)

// The approver fills these in; they are placeholders, not defaults.
const grantPlaceholders = ` --key KEY_FILE --approver NAME --reason "TICKET: what and why" --ttl 30m`

// GrantCommands builds both forms of the grant that covers a plan: by mode
// and scope, and bound to the plan file. One function builds both so the
// page, --json and the docs cannot disagree, and switching the
// recommendation once plan-bound grants exist is the planBound flag alone.
func GrantCommands(planPath string, mode policy.Mode, scope []string, planBound bool) *Grant {
	g := &Grant{Mode: mode, Scope: scope}
	byScope := []string{policy.GrantCommand, "--mode", mode.String()}
	if len(scope) > 0 {
		byScope = append(byScope, "--scope", shellQuote(strings.Join(scope, ",")))
	}
	g.Command = strings.Join(byScope, " ") + grantPlaceholders
	if planPath == "" {
		planPath = "PLAN.json"
	}
	g.PlanCommand = policy.GrantCommand + " --plan " + shellQuote(planPath) + grantPlaceholders
	g.Recommended = g.Command
	if planBound {
		g.Recommended = g.PlanCommand
	}
	return g
}

// shellQuote quotes s for a POSIX shell when it holds anything but
// characters that are safe unquoted (a scope pattern may hold * or ?).
func shellQuote(s string) string {
	safe := s != ""
	for _, r := range s {
		letter := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
		if !letter && !strings.ContainsRune("-_.,/:@+=", r) {
			safe = false
			break
		}
	}
	if safe {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
