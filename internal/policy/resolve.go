package policy

import (
	"fmt"
	"strings"
)

// CeilingError is a requested mode above the policy's max_mode.
type CeilingError struct {
	Requested Mode
	// Source says where the request came from, e.g. `the "mode" attribute`
	// or "CESO_MODE".
	Source string
	Policy *Policy
}

func (e *CeilingError) Error() string {
	return fmt.Sprintf("%s asks for %s mode, but %s allows at most %s; lower the mode, or ask the administrator of the policy file",
		e.Source, e.Requested, e.Policy.Source(), e.Policy.MaxMode)
}

// ResolveMode turns the requested mode word into the effective mode. An
// empty request gets the policy's default_mode (standard without one), lowered to the ceiling if need be, so a
// restricted policy needs no extra configuration. An explicit request above
// the ceiling is an error rather than a silent downgrade: the user should
// know their configuration does not hold.
func ResolveMode(requested, source string, p *Policy) (Mode, error) {
	if p == nil {
		p = NoPolicy()
	}
	if strings.TrimSpace(requested) == "" {
		def := p.DefaultMode
		if !def.Valid() {
			def = DefaultMode
		}
		return min(def, p.MaxMode), nil
	}
	m, err := ParseMode(requested)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", source, err)
	}
	if m > p.MaxMode {
		return 0, &CeilingError{Requested: m, Source: source, Policy: p}
	}
	return m, nil
}
