package vm

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// FieldError blames one attribute of the configuration: the glue attaches
// it to that attribute (AddAttributeError). Field is the attribute name;
// Index (>= 0) and Sub point into a list, e.g. disk[1].size_gb.
type FieldError struct {
	Field   string
	Index   int
	Sub     string
	Summary string // short, Title Case
	Detail  string // what is wrong and what to do
	Err     error  // the underlying failure, if any
}

func (e *FieldError) Error() string {
	msg := e.Path() + ": " + e.Summary
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	return msg
}

func (e *FieldError) Unwrap() error { return e.Err }

// Path renders the attribute path, e.g. "disk[1].size_gb".
func (e *FieldError) Path() string {
	p := e.Field
	if e.Index >= 0 {
		p += "[" + strconv.Itoa(e.Index) + "]"
	}
	if e.Sub != "" {
		p += "." + e.Sub
	}
	return p
}

func fieldErr(field string, summary, detail string, args ...any) *FieldError {
	return &FieldError{Field: field, Index: -1, Summary: summary, Detail: fmt.Sprintf(detail, args...)}
}

func listErr(field string, i int, sub, summary, detail string, args ...any) *FieldError {
	return &FieldError{Field: field, Index: i, Sub: sub, Summary: summary, Detail: fmt.Sprintf(detail, args...)}
}

// FieldErrors returns every *FieldError in err (which may join several).
func FieldErrors(err error) []*FieldError {
	var out []*FieldError
	var walk func(error)
	walk = func(e error) {
		if e == nil {
			return
		}
		// The tree is walked by hand: errors.As would stop at the first match,
		// and every FieldError of a join is wanted.
		if fe, ok := e.(*FieldError); ok { //nolint:errorlint // see above
			out = append(out, fe)
			return
		}
		switch u := e.(type) { //nolint:errorlint // walking the tree by hand, see above
		case interface{ Unwrap() []error }:
			for _, x := range u.Unwrap() {
				walk(x)
			}
		case interface{ Unwrap() error }:
			walk(u.Unwrap())
		}
	}
	walk(err)
	return out
}

// NotFoundError says the VM does not exist (any more). Read returns it so
// the resource can drop the VM from state.
type NotFoundError struct {
	By    string // uuid, path, name, moid
	Value string
}

func (e *NotFoundError) Error() string {
	return fmt.Sprintf("no VM with %s %q exists; it may have been deleted outside Terraform", e.By, e.Value)
}

// IsNotFound reports whether err says the VM does not exist.
func IsNotFound(err error) bool {
	var nf *NotFoundError
	return errors.As(err, &nf)
}

// NameTakenError says a VM of the requested name exists that ceso did not
// create; ceso never touches it.
type NameTakenError struct {
	Name string
	Path string
	UUID string
}

func (e *NameTakenError) Error() string {
	return fmt.Sprintf("a VM named %q already exists at %s and was not created by ceso, so ceso will not touch it. "+
		"To manage it with ceso, import it: terraform import <resource address> %s (or an import block with id = %q); "+
		"otherwise choose another name", e.Name, e.Path, e.UUID, e.UUID)
}

// ErrForcedPowerOffNeeded matches (errors.Is) the error returned when a VM
// has to be powered off hard and Options.AllowForcedPowerOff is false.
var ErrForcedPowerOffNeeded = errors.New("a forced power-off is needed")

// ForcedPowerOffError says why a graceful shutdown was not possible.
type ForcedPowerOffError struct {
	VM     string
	Reason string // e.g. "VMware Tools are not running in the guest"
}

func (e *ForcedPowerOffError) Error() string {
	return fmt.Sprintf("VM %q must be powered off, but %s, so only a forced power-off (like pulling the plug) is left; "+
		"that needs permission (an elevation for a forced power-off), or shut the guest down yourself and apply again", e.VM, e.Reason)
}

// Is makes errors.Is(err, ErrForcedPowerOffNeeded) true.
func (e *ForcedPowerOffError) Is(target error) bool { return target == ErrForcedPowerOffNeeded }

// ErrPowerCycleNeeded matches (errors.Is) a *PowerCycleNeededError.
var ErrPowerCycleNeeded = errors.New("a power cycle is needed")

// PowerCycleNeededError lists the changes that need the VM powered off.
type PowerCycleNeededError struct {
	VM      string
	Changes []string // attribute names, e.g. "cpus", "memory_mb"
}

func (e *PowerCycleNeededError) Error() string {
	if note := ColdDeviceNote(e.Changes); note != "" {
		return fmt.Sprintf("changing %s of VM %q needs it powered off (%s); allow a power cycle for this VM, or power it off yourself and apply again",
			strings.Join(e.Changes, ", "), e.VM, note)
	}
	return fmt.Sprintf("changing %s of VM %q needs it powered off (hot-add is off or the change lowers a value); "+
		"allow a power cycle for this VM, enable cpu/memory hot-add first, or power it off yourself and apply again",
		strings.Join(e.Changes, ", "), e.VM)
}

// Is makes errors.Is(err, ErrPowerCycleNeeded) true.
func (e *PowerCycleNeededError) Is(target error) bool { return target == ErrPowerCycleNeeded }

// WaitTimeoutError says the VM did not reach a state in time. The VM exists.
type WaitTimeoutError struct {
	VM      string
	What    string // "an IP address", "the guest to shut down"
	Timeout time.Duration
}

func (e *WaitTimeoutError) Error() string {
	return fmt.Sprintf("VM %q did not report %s within %s; check that VMware Tools (open-vm-tools) run in the guest "+
		"and that it gets an address, or raise the timeout", e.VM, e.What, e.Timeout)
}
