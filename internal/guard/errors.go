package guard

import (
	"fmt"

	"github.com/esxi-commander/terraform-provider-ceso/internal/policy"
)

// RefusedError is a write the policy refused; nothing reached the host.
type RefusedError struct {
	Op       Op
	Decision policy.Decision
	RunID    string
	OpID     string
	summary  string
}

func (e *RefusedError) Error() string {
	return fmt.Sprintf("ceso refused %s of %s %q: %s", e.Op.Action, e.Op.ResourceType, e.Op.Object, e.Decision.Reason)
}

// Summary is a short diagnostic summary.
func (e *RefusedError) Summary() string {
	if e.summary != "" {
		return e.summary
	}
	return e.Decision.Summary()
}

// AuditError is a write not attempted because its intent record could not
// be made durable: a change the audit trail cannot show must not happen.
type AuditError struct {
	Op  Op
	Err error
}

func (e *AuditError) Error() string {
	return fmt.Sprintf("ceso did not %s %s %q: the audit intent record could not be written, so nothing was sent to the host: %v",
		e.Op.Action, e.Op.ResourceType, e.Op.Object, e.Err)
}

func (e *AuditError) Unwrap() error { return e.Err }
