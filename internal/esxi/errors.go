package esxi

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/vmware/govmomi/fault"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// Kind classifies a failure so callers can react to it and users get a hint.
type Kind string

// Failure kinds the rest of ceso reacts to.
const (
	KindUnknown          Kind = "unknown"
	KindInvalidLogin     Kind = "invalid_login"
	KindNotAuthenticated Kind = "not_authenticated"
	KindNoPermission     Kind = "no_permission"
	KindFreeLicence      Kind = "free_licence"
	KindNoDiskSpace      Kind = "no_disk_space"
	KindNotFound         Kind = "not_found"
	KindDuplicateName    Kind = "duplicate_name"
	KindInvalidState     Kind = "invalid_state"
	KindMaintenance      Kind = "maintenance_mode"
	KindTimeout          Kind = "timeout"
	KindUnreachable      Kind = "unreachable"
	KindCertificate      Kind = "certificate"
	KindNotSupported     Kind = "not_supported"
)

// Error is a classified failure of one operation against the host.
type Error struct {
	Op   string // what ceso was doing, e.g. "CreateVM_Task" or "copy disk [ds] a.vmdk"
	Kind Kind
	Hint string // what the user can do about it
	Err  error
}

func (e *Error) Error() string {
	msg := fmt.Sprintf("%s: %s", e.Op, cleanMessage(e.Err))
	if e.Hint != "" {
		msg += ". " + e.Hint
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// KindOf returns the classification of err (KindUnknown when unclassified).
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return classify(err)
}

// Wrap classifies err as the failure of op. It returns nil for nil and leaves
// an already classified error alone.
func Wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	k := classify(err)
	return &Error{Op: op, Kind: k, Hint: hints[k], Err: err}
}

var hints = map[Kind]string{
	KindInvalidLogin:     "Check username and password (CESO_USERNAME, CESO_PASSWORD); ceso does not retry a rejected login, so the account is not locked out",
	KindNoPermission:     "The user lacks a privilege for this operation; grant the role on the object or use an account that has it",
	KindFreeLicence:      "This host runs the free ESXi licence, which refuses every change made through the API; assign a paid licence (or evaluation) to the host to manage it with ceso",
	KindNoDiskSpace:      "The datastore is full; free space or choose another datastore",
	KindNotFound:         "Check the name or path; data sources such as ceso_vms and ceso_datastores list what exists",
	KindDuplicateName:    "An object with this name already exists; choose another name or import the existing one",
	KindMaintenance:      "The host is in maintenance mode; take it out of maintenance mode first",
	KindTimeout:          "The host did not answer within api_timeout; raise api_timeout or check the host's load",
	KindUnreachable:      "Check the host name, the port and the network path to the host",
	KindCertificate:      "The host certificate is not trusted; pin it with tls_thumbprint after checking it, or set insecure = true to skip verification",
	KindNotAuthenticated: "The session was closed by the host; ceso logs in again on the next call",
}

func classify(err error) Kind {
	switch {
	case err == nil:
		return KindUnknown
	case fault.Is(err, &types.InvalidLogin{}):
		return KindInvalidLogin
	case fault.Is(err, &types.NotAuthenticated{}):
		return KindNotAuthenticated
	case fault.Is(err, &types.RestrictedVersion{}):
		return KindFreeLicence
	case fault.Is(err, &types.NoPermission{}):
		return KindNoPermission
	case fault.Is(err, &types.NoDiskSpace{}), fault.Is(err, &types.InsufficientDisks{}),
		fault.Is(err, &types.OutOfBounds{}) && strings.Contains(strings.ToLower(err.Error()), "space"):
		return KindNoDiskSpace
	case fault.Is(err, &types.FileNotFound{}), fault.Is(err, &types.ManagedObjectNotFound{}), fault.Is(err, &types.NotFound{}):
		return KindNotFound
	case fault.Is(err, &types.DuplicateName{}), fault.Is(err, &types.FileAlreadyExists{}):
		return KindDuplicateName
	case fault.Is(err, &types.InvalidPowerState{}), fault.Is(err, &types.InvalidState{}), fault.Is(err, &types.TaskInProgress{}):
		if strings.Contains(strings.ToLower(err.Error()), "maintenance") {
			return KindMaintenance
		}
		return KindInvalidState
	case fault.Is(err, &types.NotSupported{}):
		return KindNotSupported
	case errors.Is(err, context.DeadlineExceeded):
		return KindTimeout
	}
	var ua x509.UnknownAuthorityError
	var hv x509.HostnameError
	var ci x509.CertificateInvalidError
	if errors.As(err, &ua) || errors.As(err, &hv) || errors.As(err, &ci) || soap.IsCertificateUntrusted(err) ||
		strings.Contains(err.Error(), "thumbprint does not match") {
		return KindCertificate
	}
	if connectionLost(err) {
		return KindUnreachable
	}
	var ne net.Error
	var oe *net.OpError
	if errors.As(err, &oe) || (errors.As(err, &ne) && ne.Timeout()) {
		if errors.As(err, &ne) && ne.Timeout() {
			return KindTimeout
		}
		return KindUnreachable
	}
	return KindUnknown
}

// connectionLost reports a connection that closed under a call (a network
// partition, a proxy or the host dropping it): the request may or may not
// have run on the host.
func connectionLost(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// cleanMessage prefers the host's localized message over Go's wrapping
// noise, and names the datastore of a NoDiskSpace fault when the message
// does not.
func cleanMessage(err error) string {
	msg := hostMessage(err)
	var nd *types.NoDiskSpace
	if _, ok := fault.As(err, &nd); ok && nd != nil && nd.Datastore != "" && !strings.Contains(msg, nd.Datastore) {
		msg += " (no space left on datastore " + nd.Datastore + ")"
	}
	return msg
}

func hostMessage(err error) string {
	if err == nil {
		return ""
	}
	if soap.IsSoapFault(err) {
		if f := soap.ToSoapFault(err); f != nil && f.String != "" {
			return f.String
		}
	}
	if soap.IsVimFault(err) {
		if f := soap.ToVimFault(err); f != nil {
			if lm := f.GetMethodFault().FaultMessage; len(lm) > 0 && lm[0].Message != "" {
				return lm[0].Message
			}
			return strings.TrimPrefix(fmt.Sprintf("%T", f), "*types.")
		}
	}
	var te taskFaultError
	if errors.As(err, &te) {
		return te.Error()
	}
	if connectionLost(err) {
		return "the connection to the host was lost before it answered (" + err.Error() + "); the call may or may not have taken effect"
	}
	return err.Error()
}

// taskFaultError lets cleanMessage recognise govmomi's task errors.
type taskFaultError interface {
	error
	Fault() types.BaseMethodFault
}
