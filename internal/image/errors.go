package image

import (
	"errors"
	"fmt"
)

// FieldError blames one attribute of the configuration; the glue reports it
// on that attribute's path.
type FieldError struct {
	Field   string
	Summary string // short, Title Case
	Detail  string // what is wrong and what to do
	Err     error
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Summary + ": " + e.Detail }
func (e *FieldError) Unwrap() error { return e.Err }

func fieldErr(field, summary, detail string, args ...any) *FieldError {
	return &FieldError{Field: field, Summary: summary, Detail: fmt.Sprintf(detail, args...)}
}

// AsFieldError returns the *FieldError in err's chain.
func AsFieldError(err error) (*FieldError, bool) {
	var fe *FieldError
	ok := errors.As(err, &fe)
	return fe, ok
}

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
