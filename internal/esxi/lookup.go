package esxi

import (
	"errors"
	"fmt"
	"github.com/vmware/govmomi/vim25/types"
	"regexp"
	"sort"
	"strings"

	"github.com/esxi-commander/terraform-provider-ceso/internal/suggest"
)

// LookupError says why a lookup by name, UUID or path found nothing or too much.
type LookupError struct {
	What       string // "VM", "datastore", ...
	By         string // "name", "uuid", "path"
	Value      string
	Candidates []string // paths of the matches, when ambiguous
	Near       []string // the closest names, when nothing matched
}

func (e *LookupError) Error() string {
	if len(e.Candidates) > 1 {
		return fmt.Sprintf("%d %ss match %s %q: %s; use the inventory path (or UUID) to pick one",
			len(e.Candidates), e.What, e.By, e.Value, strings.Join(e.Candidates, ", "))
	}
	msg := fmt.Sprintf("no %s with %s %q exists", e.What, e.By, e.Value)
	how := "check the " + e.By + " in the vSphere client"
	if ds, ok := listedBy[e.What]; ok {
		how = "list them all with the " + ds + " data source"
	}
	if near := suggest.Phrase(e.Near); near != "" {
		return msg + ". " + near + " " + strings.ToUpper(how[:1]) + how[1:] + "."
	}
	return msg + "; " + how
}

// listedBy names the data source that lists each kind of object, for the
// kinds that have one.
var listedBy = map[string]string{"VM": "ceso_vms", "datastore": "ceso_datastores", "network": "ceso_networks", "host": "ceso_host"}

// near fills in the closest names of a lookup that found nothing; names is
// called only then, so a successful lookup costs nothing extra.
func near(err error, names func() []string) error {
	var le *LookupError
	if errors.As(err, &le) && len(le.Candidates) == 0 && le.Value != "" {
		le.Near = suggest.Closest(le.Value, names(), 3)
	}
	return err
}

// Ambiguous reports whether the lookup matched more than one object.
func (e *LookupError) Ambiguous() bool { return len(e.Candidates) > 1 }

// IsNotFound reports whether err is a lookup that matched nothing.
func IsNotFound(err error) bool {
	var le *LookupError
	return errors.As(err, &le) && len(le.Candidates) == 0
}

// inDatacenter reports whether an object of datacenter dc is in scope of want ("" = all).
func inDatacenter(dc, want string) bool { return want == "" || dc == want }

// FindVM finds one VM by UUID (instance or BIOS), inventory path, or name,
// optionally within one datacenter.
func (s *Snapshot) FindVM(by, value, datacenter string) (VM, error) {
	var found []VM
	for _, vm := range s.VMs {
		if !inDatacenter(vm.Datacenter, datacenter) {
			continue
		}
		switch by {
		case "uuid":
			if strings.EqualFold(vm.UUID, value) || strings.EqualFold(vm.BIOSUUID, value) {
				found = append(found, vm)
			}
		case "path":
			if vm.Path == value {
				found = append(found, vm)
			}
		case "moid":
			if vm.Ref.Value == value {
				found = append(found, vm)
			}
		default:
			if vm.Name == value {
				found = append(found, vm)
			}
		}
	}
	v, err := one(found, "VM", by, value, func(v VM) string { return v.Path })
	if by != "name" && by != "path" {
		return v, err // a mistyped UUID or id has no near neighbour worth naming
	}
	return v, near(err, func() []string {
		var names []string
		for _, vm := range s.VMs {
			if inDatacenter(vm.Datacenter, datacenter) && by == "path" {
				names = append(names, vm.Path)
			} else if inDatacenter(vm.Datacenter, datacenter) {
				names = append(names, vm.Name)
			}
		}
		return names
	})
}

// FindDatastore finds a datastore by name or inventory path.
func (s *Snapshot) FindDatastore(value, datacenter string) (Datastore, error) {
	var found []Datastore
	for _, d := range s.Datastores {
		if inDatacenter(d.Datacenter, datacenter) && (d.Name == value || d.Path == value) {
			found = append(found, d)
		}
	}
	d, err := one(found, "datastore", "name", value, func(d Datastore) string { return d.Path })
	return d, near(err, func() []string {
		var names []string
		for _, d := range s.Datastores {
			if inDatacenter(d.Datacenter, datacenter) {
				names = append(names, d.Name)
			}
		}
		return names
	})
}

// FindNetwork finds a network by name or inventory path.
func (s *Snapshot) FindNetwork(value, datacenter string) (Network, error) {
	var found []Network
	for _, n := range s.Networks {
		if inDatacenter(n.Datacenter, datacenter) && (n.Name == value || n.Path == value) {
			found = append(found, n)
		}
	}
	n, err := one(found, "network", "name", value, func(n Network) string { return n.Path })
	return n, near(err, func() []string {
		var names []string
		for _, n := range s.Networks {
			if inDatacenter(n.Datacenter, datacenter) {
				names = append(names, n.Name)
			}
		}
		return names
	})
}

// FindHost finds a host by name or path; an empty value picks the only host.
func (s *Snapshot) FindHost(value, datacenter string) (Host, error) {
	var found []Host
	for _, h := range s.Hosts {
		if inDatacenter(h.Datacenter, datacenter) && (value == "" || h.Name == value || h.Path == value) {
			found = append(found, h)
		}
	}
	if value == "" && len(found) > 1 {
		paths := make([]string, len(found))
		for i, h := range found {
			paths[i] = h.Path
		}
		return Host{}, &LookupError{What: "host", By: "name", Value: "", Candidates: paths}
	}
	h, err := one(found, "host", "name", value, func(h Host) string { return h.Path })
	return h, near(err, func() []string {
		var names []string
		for _, h := range s.Hosts {
			if inDatacenter(h.Datacenter, datacenter) {
				names = append(names, h.Name)
			}
		}
		return names
	})
}

// FindDatacenter finds a datacenter by name; an empty name picks the only one.
func (s *Snapshot) FindDatacenter(name string) (Datacenter, error) {
	var found []Datacenter
	for _, d := range s.Datacenters {
		if name == "" || d.Name == name || d.Path == name {
			found = append(found, d)
		}
	}
	return one(found, "datacenter", "name", name, func(d Datacenter) string { return d.Path })
}

// FindFolder finds a VM folder by inventory path, or by a path relative to
// the datacenter's VM folder (e.g. "web" for /dc/vm/web).
func (s *Snapshot) FindFolder(value, datacenter string) (Folder, error) {
	// The VM folders' roots by their real paths: a datacenter inside a
	// folder on vCenter has a path longer than "/<name>".
	roots := map[types.ManagedObjectReference]bool{}
	for _, d := range s.Datacenters {
		roots[d.VMFolder] = true
	}
	var rootPaths []string
	for _, f := range s.Folders {
		if roots[f.Ref] {
			rootPaths = append(rootPaths, f.Path)
		}
	}
	var found []Folder
	for _, f := range s.Folders {
		if !inDatacenter(f.Datacenter, datacenter) || f.StoragePod {
			continue
		}
		if f.Path == value {
			found = append(found, f)
			continue
		}
		for _, root := range rootPaths {
			if rel, ok := strings.CutPrefix(f.Path, root); ok && (rel == "" || rel[0] == '/') && strings.Trim(rel, "/") == strings.Trim(value, "/") {
				found = append(found, f)
				break
			}
		}
	}
	f, err := one(found, "folder", "path", value, func(f Folder) string { return f.Path })
	return f, near(err, func() []string {
		var names []string
		for _, f := range s.Folders {
			if inDatacenter(f.Datacenter, datacenter) {
				// Offer the form the value was written in: relative or full.
				if strings.HasPrefix(value, "/") {
					names = append(names, f.Path)
				} else if rel := strings.Trim(strings.TrimPrefix(f.Path, "/"+f.Datacenter+"/vm"), "/"); rel != "" && rel != strings.Trim(f.Path, "/") {
					names = append(names, rel)
				}
			}
		}
		return names
	})
}

func one[T any](found []T, what, by, value string, path func(T) string) (T, error) {
	var zero T
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		return zero, &LookupError{What: what, By: by, Value: value}
	}
	paths := make([]string, len(found))
	for i, f := range found {
		paths[i] = path(f)
	}
	sort.Strings(paths)
	return zero, &LookupError{What: what, By: by, Value: value, Candidates: paths}
}

// CompileFilter compiles an optional regular expression filter; an empty
// pattern matches everything.
func CompileFilter(pattern string) (*regexp.Regexp, error) {
	if pattern == "" {
		return nil, nil
	}
	return regexp.Compile(pattern)
}
