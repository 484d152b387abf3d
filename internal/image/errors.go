package image

import (
	"errors"
	"fmt"

	"github.com/esxi-commander/terraform-provider-ceso/internal/esxi"
)

// FieldError blames one attribute of the configuration; the glue attaches
// it there. It is esxi's, shared by the domain packages.
type FieldError = esxi.FieldError

func fieldErr(field, summary, detail string, args ...any) *FieldError {
	return &FieldError{Field: field, Summary: summary, Detail: fmt.Sprintf(detail, args...)}
}

// AsFieldError returns the *FieldError in err's chain.
func AsFieldError(err error) (*FieldError, bool) { return esxi.AsFieldError(err) }

// NotFoundError says no image (VM or template) matches.
type NotFoundError struct{ Ref string }

func (e *NotFoundError) Error() string {
	return fmt.Sprintf("no VM or template %s exists; the ceso_templates and ceso_vms data sources list what does", e.Ref)
}

// IsNotFound reports whether err says the image does not exist.
func IsNotFound(err error) bool {
	var nf *NotFoundError
	return errors.As(err, &nf)
}
