package backup

import (
	"errors"
	"fmt"
)

// FieldError blames one attribute of the configuration (vm, destination,
// disk_format, keep, allow_existing_snapshots, backup); the glue attaches
// it there. Err, when set, is the underlying cause (a sentinel below or a
// classified *esxi.Error).
type FieldError struct {
	Field   string
	Summary string // short, Title Case
	Detail  string // what is wrong and what to do
	Err     error
}

func (e *FieldError) Error() string {
	msg := e.Field + ": " + e.Summary
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	return msg
}

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

// Reasons a backup is refused before anything changes; errors.Is matches them.
var (
	// ErrIndependentDisks: the VM has disks in an independent mode, which a
	// snapshot does not cover, so they cannot be copied while it runs.
	ErrIndependentDisks = errors.New("the VM has independent disks")
	// ErrExistingSnapshots: the VM has snapshots and the spec does not allow them.
	ErrExistingSnapshots = errors.New("the VM has snapshots")
	// ErrNotComplete: a restore was asked from a backup that is not complete.
	ErrNotComplete = errors.New("the backup is not complete")
)

// NotFoundError says a backup does not exist (any more).
type NotFoundError struct {
	Ref string // id or path asked for
}

func (e *NotFoundError) Error() string {
	return fmt.Sprintf("no ceso backup %s exists; list the backups of a destination with the ceso_backups data source", e.Ref)
}

// IsNotFound reports whether err says the backup does not exist.
func IsNotFound(err error) bool {
	var nf *NotFoundError
	return errors.As(err, &nf)
}

// AmbiguousError says a backup id was found in more than one place.
type AmbiguousError struct {
	ID    string
	Paths []string
}

func (e *AmbiguousError) Error() string {
	return fmt.Sprintf("backup id %s exists in %d places (%v); give the manifest path instead", e.ID, len(e.Paths), e.Paths)
}
