package esxi

import (
	"context"
	"strings"

	"github.com/vmware/govmomi/license"
	"github.com/vmware/govmomi/vim25/types"
)

// Facts describe the endpoint: what product it is and how it is licensed.
type Facts struct {
	Product      string // "ESXi" or "vCenter Server"
	IsVCenter    bool
	FullName     string
	Version      string
	Build        string
	APIVersion   string
	InstanceUUID string
	LicenceName  string
	LicenceKey   string // edition key, not the licence key itself
	FreeLicence  bool
	// LicenceUnknown is set when the account may not read the licences (a
	// least-privilege role without Global.Licenses): ceso then cannot tell a
	// free host, which refuses every write, from a licensed one.
	LicenceUnknown bool
}

// LicenceUnknownMessage is the warning for an account that cannot read the
// licences.
const LicenceUnknownMessage = "The account cannot read the host's licences (it lacks the Global.Licenses privilege), so ceso cannot tell whether the host runs the free vSphere Hypervisor licence, which refuses every change made through the API. Everything else works; if the host does run the free licence, writes fail at apply with RestrictedVersion. Grant the privilege (read-only is enough) to have ceso check it up front."

// FreeLicenceMessage is the one plain sentence users see for a free host.
const FreeLicenceMessage = "This ESXi host runs the free vSphere Hypervisor licence, which refuses every change made through the API (RestrictedVersion). ceso can read it (data sources, plan) but cannot create, change or delete anything on it; assign a paid or evaluation licence to the host to manage it with ceso."

// readFacts reads the about info (free, part of the service content) and the
// licences (one call).
func readFacts(ctx context.Context, s *Session) (Facts, error) {
	about := s.Client.ServiceContent.About
	f := Facts{
		IsVCenter: about.ApiType == "VirtualCenter", FullName: about.FullName,
		Version: about.Version, Build: about.Build, APIVersion: about.ApiVersion, InstanceUUID: about.InstanceUuid,
		Product: "ESXi",
	}
	if f.IsVCenter {
		f.Product = "vCenter Server"
	}
	if s.Client.ServiceContent.LicenseManager == nil {
		return f, nil
	}
	lics, err := license.NewManager(s.Client).List(ctx)
	if err != nil {
		err = Wrap("read licences", err)
		if KindOf(err) == KindNoPermission {
			f.LicenceUnknown = true
			return f, nil
		}
		return f, err
	}
	f.LicenceName, f.LicenceKey, f.FreeLicence = summarizeLicences(lics, f.IsVCenter)
	return f, nil
}

// summarizeLicences picks the licence that governs the endpoint and says
// whether it is the free hypervisor edition.
func summarizeLicences(lics []types.LicenseManagerLicenseInfo, vcenter bool) (name, edition string, free bool) {
	for _, l := range lics {
		if l.EditionKey == "" && l.Name == "" {
			continue
		}
		if name == "" {
			name, edition = l.Name, l.EditionKey
		}
		if !vcenter && isFreeEdition(l) {
			return l.Name, l.EditionKey, true
		}
	}
	return name, edition, false
}

// isFreeEdition recognises the free vSphere Hypervisor ("esxBasic") licence.
func isFreeEdition(l types.LicenseManagerLicenseInfo) bool {
	ek := strings.ToLower(l.EditionKey)
	n := strings.ToLower(l.Name)
	return strings.HasPrefix(ek, "esxbasic") || strings.Contains(n, "vsphere hypervisor") ||
		(strings.Contains(n, "hypervisor") && strings.Contains(n, "free"))
}
