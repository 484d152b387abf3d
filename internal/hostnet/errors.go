package hostnet

import (
	"errors"
	"fmt"
	"strings"
)

// FieldError blames one attribute of the configuration; the glue attaches
// it there.
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

// NotFoundError says a vSwitch or port group does not exist (any more).
type NotFoundError struct{ What string }

func (e *NotFoundError) Error() string { return e.What + " does not exist" }

// IsNotFound reports whether err says the object is gone.
func IsNotFound(err error) bool {
	var nf *NotFoundError
	return errors.As(err, &nf)
}

// InUseError says VMs use a port group (or the port groups of a vSwitch)
// that would be removed.
type InUseError struct {
	What string // `port group "web" on host esx01`
	VMs  []string
}

func (e *InUseError) Error() string {
	return fmt.Sprintf("%s is used by %d VM(s): %s. Move their network adapters to another network (or destroy them) first; removing it would cut them off",
		e.What, len(e.VMs), strings.Join(e.VMs, ", "))
}

// IsInUse reports whether err says VMs use the object.
func IsInUse(err error) bool {
	var iu *InUseError
	return errors.As(err, &iu)
}
