package image

import (
	"sort"
	"strings"

	"github.com/vmware/govmomi/ovf"
	"github.com/vmware/govmomi/vim25/types"
)

// Spec is what to deploy and where.
type Spec struct {
	Name         string
	Source       string // local path or http(s) URL of an .ova or .ovf
	SourceSHA256 string // hex; empty checks nothing

	Datacenter   string // default: the only one
	Datastore    string // default: the only one in the datacenter
	Folder       string // default: the datacenter's VM folder
	Host         string
	ResourcePool string

	NetworkMappings  map[string]string // OVF network name -> port group
	OVFProperties    map[string]string // vApp property key -> value
	DiskProvisioning string            // thin (default), thick, eager_zeroed
	Template         bool
}

// provisioning maps disk_provisioning to the OVF import parameter.
var provisioning = map[string]types.OvfCreateImportSpecParamsDiskProvisioningType{
	"":             types.OvfCreateImportSpecParamsDiskProvisioningTypeThin,
	"thin":         types.OvfCreateImportSpecParamsDiskProvisioningTypeThin,
	"thick":        types.OvfCreateImportSpecParamsDiskProvisioningTypeThick,
	"eager_zeroed": types.OvfCreateImportSpecParamsDiskProvisioningTypeEagerZeroedThick,
}

// DiskProvisioningValues are the accepted disk_provisioning values.
func DiskProvisioningValues() []string { return []string{"thin", "thick", "eager_zeroed"} }

// ovfNetworks lists the networks the descriptor declares.
func ovfNetworks(e *ovf.Envelope) []string {
	var out []string
	if e.Network != nil {
		for _, n := range e.Network.Networks {
			out = append(out, n.Name)
		}
	}
	return out
}

// ovfProperty is one vApp property a deployment may set.
type ovfProperty struct {
	Key          string
	Configurable bool
}

// ovfProperties lists the descriptor's vApp properties by their full key
// (class.key.instance, as the host expects them).
func ovfProperties(e *ovf.Envelope) map[string]ovfProperty {
	out := map[string]ovfProperty{}
	if e.VirtualSystem == nil {
		return out
	}
	for _, p := range e.VirtualSystem.Product {
		for _, prop := range p.Property {
			k := p.Key(prop)
			out[k] = ovfProperty{Key: k, Configurable: prop.UserConfigurable != nil && *prop.UserConfigurable}
		}
	}
	return out
}

// checkDescriptor compares the configuration with what the descriptor
// declares: every OVF network needs a mapping, every mapping and property
// must name something the descriptor has, and a property must be one the
// descriptor lets a deployment set (the host refuses the others).
func checkDescriptor(e *ovf.Envelope, s Spec) error {
	nets := ovfNetworks(e)
	known := map[string]bool{}
	for _, n := range nets {
		known[n] = true
		if _, ok := s.NetworkMappings[n]; !ok {
			return fieldErr("network_mappings", "OVF Network Not Mapped",
				"the package's network %q has no port group. Add %q = \"<port group>\" to network_mappings (the package declares: %s).",
				n, n, quoteList(nets))
		}
	}
	for _, k := range sortedKeys(s.NetworkMappings) {
		if !known[k] {
			return fieldErr("network_mappings", "Unknown OVF Network",
				"the package declares no network %q; it declares: %s. Network names are case sensitive.", k, quoteList(nets))
		}
	}
	props := ovfProperties(e)
	var settable []string
	for k, p := range props {
		if p.Configurable {
			settable = append(settable, k)
		}
	}
	sort.Strings(settable)
	for _, k := range sortedKeys(s.OVFProperties) {
		p, ok := props[k]
		switch {
		case !ok:
			return fieldErr("ovf_properties", "Unknown OVF Property",
				"the package has no vApp property %q; the properties it lets a deployment set are: %s.", k, quoteList(settable))
		case !p.Configurable:
			return fieldErr("ovf_properties", "OVF Property Not Settable",
				"the package marks the vApp property %q as not user-configurable, so the host refuses a value for it; settable: %s.", k, quoteList(settable))
		}
	}
	if _, ok := provisioning[s.DiskProvisioning]; !ok {
		return fieldErr("disk_provisioning", "Invalid Disk Provisioning", "%q is not one of %s.", s.DiskProvisioning, quoteList(DiskProvisioningValues()))
	}
	return nil
}

// requiredBytes estimates the datastore space the disks take: the packed
// file sizes for thin disks (a lower bound), the full capacities otherwise.
func requiredBytes(e *ovf.Envelope, s Spec) int64 {
	var n int64
	if s.DiskProvisioning == "" || s.DiskProvisioning == "thin" {
		for _, f := range e.References {
			n += int64(min(f.Size, 1<<62)) //nolint:gosec // G115: bounded above.
		}
		return n
	}
	if e.Disk != nil {
		for _, d := range e.Disk.Disks {
			n += diskCapacity(d)
		}
	}
	return n
}

// diskCapacity reads a disk's capacity in bytes ("byte * 2^30" units).
func diskCapacity(d ovf.VirtualDiskDesc) int64 {
	var c int64
	for _, r := range d.Capacity {
		if r < '0' || r > '9' {
			return 0 // a ${property} reference; unknown until deployment
		}
		c = c*10 + int64(r-'0')
	}
	if d.CapacityAllocationUnits == nil {
		return c
	}
	f := strings.Fields(*d.CapacityAllocationUnits)
	if len(f) == 3 && f[0] == "byte" && f[1] == "*" {
		var base, exp int64
		if parts := strings.SplitN(f[2], "^", 2); len(parts) == 2 {
			base, exp = atoi(parts[0]), atoi(parts[1])
		}
		for ; exp > 0; exp-- {
			c *= base
		}
	}
	return c
}

func atoi(s string) int64 {
	var n int64
	for _, r := range s {
		if r < '0' || r > '9' {
			return 0
		}
		n = n*10 + int64(r-'0')
	}
	return n
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func quoteList(xs []string) string {
	if len(xs) == 0 {
		return "none"
	}
	q := make([]string, len(xs))
	for i, x := range xs {
		q[i] = `"` + x + `"`
	}
	return strings.Join(q, ", ")
}
