package snapshot

import (
	"errors"
	"fmt"

	"github.com/esxi-commander/terraform-provider-ceso/internal/esxi"
)

// FieldError blames one attribute of the configuration; the glue attaches
// it there. It is esxi's, shared by the domain packages.
type FieldError = esxi.FieldError

// AsFieldError returns the *FieldError in err's chain.
func AsFieldError(err error) (*FieldError, bool) { return esxi.AsFieldError(err) }

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
