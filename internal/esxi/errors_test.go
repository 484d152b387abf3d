package esxi

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"syscall"
	"testing"

	"github.com/vmware/govmomi/task"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

func TestSummarizeLicences(t *testing.T) {
	t.Parallel()
	free7 := types.LicenseManagerLicenseInfo{LicenseKey: "00000-00000-00000-00000-00001", EditionKey: "esxBasic.vram", Name: "vSphere 7 Hypervisor"}
	free6 := types.LicenseManagerLicenseInfo{EditionKey: "esxBasic", Name: "vSphere 6 Hypervisor"}
	byName := types.LicenseManagerLicenseInfo{Name: "VMware vSphere Hypervisor (free)"}
	eval := types.LicenseManagerLicenseInfo{LicenseKey: "00000-00000-00000-00000-00000", EditionKey: "eval", Name: "Evaluation Mode"}
	ent := types.LicenseManagerLicenseInfo{EditionKey: "esxEnterprisePlus.cpuPackage", Name: "vSphere 7 Enterprise Plus"}
	std := types.LicenseManagerLicenseInfo{EditionKey: "esxStandard.cpuPackage", Name: "vSphere 8 Standard"}
	vc := types.LicenseManagerLicenseInfo{EditionKey: "vc.standard.instance", Name: "vCenter Server 8 Standard"}
	empty := types.LicenseManagerLicenseInfo{}

	for _, tc := range []struct {
		name        string
		lics        []types.LicenseManagerLicenseInfo
		vcenter     bool
		wantName    string
		wantEdition string
		wantFree    bool
	}{
		{"free 7", []types.LicenseManagerLicenseInfo{free7}, false, free7.Name, free7.EditionKey, true},
		{"free 6", []types.LicenseManagerLicenseInfo{free6}, false, free6.Name, free6.EditionKey, true},
		{"free by name", []types.LicenseManagerLicenseInfo{byName}, false, byName.Name, "", true},
		{"evaluation", []types.LicenseManagerLicenseInfo{eval}, false, eval.Name, eval.EditionKey, false},
		{"enterprise plus", []types.LicenseManagerLicenseInfo{ent}, false, ent.Name, ent.EditionKey, false},
		{"standard", []types.LicenseManagerLicenseInfo{std}, false, std.Name, std.EditionKey, false},
		{"none", nil, false, "", "", false},
		{"empty entries skipped", []types.LicenseManagerLicenseInfo{empty, eval}, false, eval.Name, eval.EditionKey, false},
		{"free listed after evaluation", []types.LicenseManagerLicenseInfo{eval, free7}, false, free7.Name, free7.EditionKey, true},
		{"vcenter is never free", []types.LicenseManagerLicenseInfo{vc, free7}, true, vc.Name, vc.EditionKey, false},
	} {
		name, edition, free := summarizeLicences(tc.lics, tc.vcenter)
		if name != tc.wantName || edition != tc.wantEdition || free != tc.wantFree {
			t.Errorf("%s: got (%q, %q, free %v), want (%q, %q, free %v)", tc.name,
				name, edition, free, tc.wantName, tc.wantEdition, tc.wantFree)
		}
	}
}

// vimFault returns err as the soap client returns a host fault.
func vimFault(msg string, f types.BaseMethodFault) error {
	sf := &soap.Fault{Code: "ServerFaultCode", String: msg}
	sf.Detail.Fault = f
	return soap.WrapSoapFault(sf)
}

func TestClassify(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		err  error
		want Kind
	}{
		{"invalid login", vimFault("Cannot complete login due to an incorrect user name or password.", &types.InvalidLogin{}), KindInvalidLogin},
		{"not authenticated", vimFault("", &types.NotAuthenticated{}), KindNotAuthenticated},
		{"free licence", vimFault("Current license or ESXi version prohibits execution of the requested operation.", &types.RestrictedVersion{}), KindFreeLicence},
		{"no permission", vimFault("", &types.NoPermission{}), KindNoPermission},
		{"no disk space", vimFault("", &types.NoDiskSpace{}), KindNoDiskSpace},
		{"file not found", vimFault("File [ds] x.vmdk was not found", &types.FileNotFound{}), KindNotFound},
		{"duplicate name", vimFault("", &types.DuplicateName{}), KindDuplicateName},
		{"file exists", vimFault("", &types.FileAlreadyExists{}), KindDuplicateName},
		{"power state", vimFault("", &types.InvalidPowerState{}), KindInvalidState},
		{"maintenance", vimFault("The operation is not allowed in the current state: host in maintenance mode", &types.InvalidState{}), KindMaintenance},
		{"not supported", vimFault("", &types.NotSupported{}), KindNotSupported},
		{"task fault", task.Error{LocalizedMethodFault: &types.LocalizedMethodFault{Fault: &types.NoDiskSpace{}, LocalizedMessage: "full"}}, KindNoDiskSpace},
		{"deadline", fmt.Errorf("post: %w", context.DeadlineExceeded), KindTimeout},
		{"unknown authority", &tls509{x509.UnknownAuthorityError{}}, KindCertificate},
		{"thumbprint mismatch", errors.New(`host "h:443" thumbprint does not match "AB:CD"`), KindCertificate},
		{"refused", &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}, KindUnreachable},
		{"connection lost", &url.Error{Op: "Post", URL: "https://h/sdk", Err: io.EOF}, KindUnreachable},
		{"connection reset", &url.Error{Op: "Post", URL: "https://h/sdk", Err: syscall.ECONNRESET}, KindUnreachable},
		{"plain", errors.New("boom"), KindUnknown},
		{"nil", nil, KindUnknown},
	} {
		if got := KindOf(tc.err); got != tc.want {
			t.Errorf("%s: KindOf(%v) = %s, want %s", tc.name, tc.err, got, tc.want)
		}
	}
}

// tls509 wraps an x509 error as crypto/tls does.
type tls509 struct{ err error }

func (e *tls509) Error() string { return "tls: " + e.err.Error() }
func (e *tls509) Unwrap() error { return e.err }

func TestWrapKeepsTheHostMessageAndHint(t *testing.T) {
	t.Parallel()
	err := Wrap("CreateVM_Task", vimFault("Insufficient disk space on datastore 'ds1'.", &types.NoDiskSpace{}))
	var e *Error
	if !errors.As(err, &e) || e.Kind != KindNoDiskSpace {
		t.Fatalf("Wrap = %v, want kind %s", err, KindNoDiskSpace)
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, "CreateVM_Task: Insufficient disk space on datastore 'ds1'.") || !strings.Contains(msg, hints[KindNoDiskSpace]) {
		t.Errorf("message = %q", msg)
	}
	full := Wrap("copy disk", vimFault("NoDiskSpace", &types.NoDiskSpace{Datastore: "ds2"}))
	if msg := full.Error(); !strings.Contains(msg, "NoDiskSpace (no space left on datastore ds2)") {
		t.Errorf("a NoDiskSpace fault does not name its datastore: %q", msg)
	}
	if again := Wrap("other", err); again != err { //nolint:errorlint // identity is the point: Wrap must return the same error
		t.Errorf("Wrap re-wrapped a classified error: %v", again)
	}
	if Wrap("x", nil) != nil {
		t.Error("Wrap(nil) is not nil")
	}
}

// A not-found message points only to data sources that exist.
func TestLookupErrorNamesExistingDataSources(t *testing.T) {
	t.Parallel()
	for what, want := range map[string]string{
		"VM": "ceso_vms data source", "datastore": "ceso_datastores data source", "network": "ceso_networks data source",
		"folder": "check the path in the vSphere client", "resource pool": "check the name in the vSphere client",
	} {
		by := "name"
		if what == "folder" {
			by = "path"
		}
		msg := (&LookupError{What: what, By: by, Value: "x"}).Error()
		if !strings.Contains(msg, want) {
			t.Errorf("%s: %q does not contain %q", what, msg, want)
		}
	}
}
