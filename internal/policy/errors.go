package policy

import (
	"errors"
	"fmt"
)

// Sentinel kinds of grant refusal; test with errors.Is. Each *GrantError
// unwraps to exactly one of them, so the provider can pick a diagnostic
// summary without parsing the message.
var (
	ErrGrantMalformed        = errors.New("malformed elevation grant")
	ErrGrantForged           = errors.New("elevation grant not signed by a trusted approver")
	ErrGrantExpired          = errors.New("elevation grant expired")
	ErrGrantNotYetValid      = errors.New("elevation grant not yet valid")
	ErrGrantOutOfScope       = errors.New("elevation grant out of scope")
	ErrGrantInsufficientMode = errors.New("elevation grant mode too low")
	ErrGrantWrongHost        = errors.New("elevation grant for another host")
	ErrGrantNotInPlan        = errors.New("change not in the approved plan")
	ErrGrantUsed             = errors.New("elevation grant already used")
	ErrGrantTooLong          = errors.New("elevation grant lives too long")
)

// GrantError is a refused grant: the kind, the grant id when it could be
// read, and a detail that says what to do.
type GrantError struct {
	Kind    error
	GrantID string
	Detail  string
}

func (e *GrantError) Error() string {
	if e.GrantID != "" {
		return fmt.Sprintf("%s (grant %s): %s", e.Kind, e.GrantID, e.Detail)
	}
	return fmt.Sprintf("%s: %s", e.Kind, e.Detail)
}

func (e *GrantError) Unwrap() error { return e.Kind }

func grantErr(kind error, id, format string, args ...any) *GrantError {
	return &GrantError{Kind: kind, GrantID: id, Detail: fmt.Sprintf(format, args...)}
}
