package snapshot

import (
	"errors"
	"fmt"
)

// FieldError blames one attribute of the configuration (vm, name,
// description, revert_on_change); the glue attaches it there.
type FieldError struct {
	Field   string
	Summary string // short, Title Case
	Detail  string // what is wrong and what to do
	Err     error
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Summary + ": " + e.Detail }

func (e *FieldError) Unwrap() error { return e.Err }

// AsFieldError returns the *FieldError in err's chain.
func AsFieldError(err error) (*FieldError, bool) {
	var fe *FieldError
	ok := errors.As(err, &fe)
	return fe, ok
}

// NotFoundError says a VM or one of its snapshots does not exist (any more).
type NotFoundError struct {
	What string // "VM 1234-..." or "snapshot 3 of VM web-01"
}

func (e *NotFoundError) Error() string { return e.What + " does not exist on the host" }

// IsNotFound reports whether err says the VM or snapshot is gone.
func IsNotFound(err error) bool {
	var nf *NotFoundError
	return errors.As(err, &nf)
}

// ConsolidationError says the snapshot is gone but the VM's disks still
// need consolidation: the VM runs on a longer delta chain than its
// snapshot tree shows, which slows it and fills the datastore.
type ConsolidationError struct {
	VM  string
	Err error
}

func (e *ConsolidationError) Error() string {
	msg := fmt.Sprintf("the snapshot was removed, but the disks of VM %s still need consolidation (runtime.consolidationNeeded is true)", e.VM)
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg + ". Free space on the VM's datastore or stop what locks its disks (a backup appliance's hot-add), then consolidate the VM's disks (vSphere Client: Snapshots > Consolidate) and run apply again"
}

func (e *ConsolidationError) Unwrap() error { return e.Err }
