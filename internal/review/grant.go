package review

import (
	"net/url"
	"strings"

	"github.com/esxi-commander/terraform-provider-ceso/internal/policy"
)

// The approver fills these in; they are placeholders, not defaults.
const grantPlaceholders = ` --key KEY_FILE --approver NAME --reason "TICKET: what and why" --ttl 30m`

// GrantCommands builds both forms of the grant that covers a plan: by mode
// and scope, and bound to the plan file. One function builds both so the
// page, --json and the docs cannot disagree, and switching the
// recommendation once plan-bound grants exist is the planBound flag alone.
func GrantCommands(planPath string, mode policy.Mode, scope []string, host string, planBound bool) *Grant {
	if len(scope) == 0 {
		// Only changes no scope is matched against (cloud-init payloads):
		// grant issue needs a scope, and any will do.
		scope = []string{"*"}
	}
	g := &Grant{Mode: mode, Scope: scope}
	if host == "" {
		host = "HOST"
	}
	byScope := []string{policy.GrantCommand, "--host", shellQuote(host), "--mode", mode.String()}
	if len(scope) > 0 {
		byScope = append(byScope, "--scope", shellQuote(strings.Join(scope, ",")))
	}
	g.Command = strings.Join(byScope, " ") + grantPlaceholders
	if planPath == "" {
		planPath = "PLAN.json"
	}
	g.PlanCommand = policy.GrantCommand + " --host " + shellQuote(host) + " --plan " + shellQuote(planPath) + " --once" + grantPlaceholders
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

// grantHost is the host name a grant names for a configured host value (a
// name, host:port or https://host/sdk): the provider accepts a grant whose
// host is the host name it connects to. Values it cannot read (a variable
// not known at plan) leave the placeholder.
func grantHost(configured string) string {
	if configured == "" || strings.ContainsAny(configured, " ()") {
		return ""
	}
	if strings.Contains(configured, "://") {
		if u, err := url.Parse(configured); err == nil && u.Hostname() != "" {
			return u.Hostname()
		}
		return ""
	}
	if i := strings.IndexByte(configured, '/'); i >= 0 {
		configured = configured[:i]
	}
	return configured
}
