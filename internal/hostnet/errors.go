package hostnet

import (
	"errors"
	"fmt"
	"strings"

	"github.com/esxi-commander/terraform-provider-ceso/internal/esxi"
)

// FieldError blames one attribute of the configuration; the glue attaches
// it there. It is esxi's, shared by the domain packages.
type FieldError = esxi.FieldError

// AsFieldError returns the *FieldError in err's chain.
func AsFieldError(err error) (*FieldError, bool) { return esxi.AsFieldError(err) }

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
