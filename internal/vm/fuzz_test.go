package vm

import (
	"errors"
	"strings"
	"testing"

	"github.com/vmware/govmomi/vim25/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/esxi"
)

// importSnapshot is an inventory with names chosen to confuse the import id
// parser: a name that looks like a managed object id, one that looks like
// a UUID, two VMs of one name, and the name the fuzzer chose.
func importSnapshot(name string) *esxi.Snapshot {
	vm := func(moid, name, uuid, bios string) esxi.VM {
		return esxi.VM{Ref: types.ManagedObjectReference{Type: "VirtualMachine", Value: moid}, Name: name,
			Path: "/ha-datacenter/vm/" + name, Folder: "/ha-datacenter/vm", Datacenter: "ha-datacenter", UUID: uuid, BIOSUUID: bios}
	}
	return &esxi.Snapshot{VMs: []esxi.VM{
		vm("1", "web-01", "502e7f6a-1c2d-4e5f-8a9b-0c1d2e3f4a5b", "564d7f6a-1c2d-4e5f-8a9b-0c1d2e3f4a5b"),
		vm("2", "vm-42", "502e7f6a-1c2d-4e5f-8a9b-0c1d2e3f4a5c", "564d7f6a-1c2d-4e5f-8a9b-0c1d2e3f4a5c"),
		vm("3", "dup", "502e7f6a-1c2d-4e5f-8a9b-0c1d2e3f4a5d", ""),
		vm("4", "dup", "502e7f6a-1c2d-4e5f-8a9b-0c1d2e3f4a5e", ""),
		vm("5", "11111111-2222-3333-4444-555555555555", "502e7f6a-1c2d-4e5f-8a9b-0c1d2e3f4a5f", ""),
		vm("6", name, "502e7f6a-1c2d-4e5f-8a9b-0c1d2e3f4a60", ""),
	}}
}

// matches reports whether v is what id, read as by/value, names.
func matches(v *esxi.VM, id, by, value string) bool {
	switch {
	case by == "uuid" && (strings.EqualFold(v.UUID, value) || strings.EqualFold(v.BIOSUUID, value)):
	case by == "path" && v.Path == value:
	case by == "moid" && v.Ref.Value == value:
	case v.Name == id:
	default:
		return false
	}
	return true
}

// FuzzImportID feeds arbitrary import ids (what a user types after
// terraform import, or writes in an import block) to the parser and the
// lookup. Neither panics; ByOf classifies consistently; a VM found is one
// the id really names; and a VM whose name is the id is always found, even
// when its name looks like a UUID or a managed object id.
func FuzzImportID(f *testing.F) {
	for _, seed := range []string{
		"502e7f6a-1c2d-4e5f-8a9b-0c1d2e3f4a5b", "564D7F6A-1C2D-4E5F-8A9B-0C1D2E3F4A5B", "/ha-datacenter/vm/web-01",
		"web-01", "vm-42", "moid:vm-42", "moid:2", "2", "dup", "11111111-2222-3333-4444-555555555555",
		"", " ", "moid:", "/", "ha-datacenter/vm/web-01", "web-01\n", "Web-01", "vm-", "00000000-0000-0000-0000-00000000000g",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, id string) {
		by, value := ByOf(id)
		switch by {
		case "uuid":
			if value != id || !uuidPattern.MatchString(id) {
				t.Fatalf("ByOf(%q) = uuid %q", id, value)
			}
		case "path":
			if value != id || !strings.HasPrefix(id, "/") {
				t.Fatalf("ByOf(%q) = path %q", id, value)
			}
		case "moid":
			if value != strings.TrimPrefix(id, "moid:") {
				t.Fatalf("ByOf(%q) = moid %q", id, value)
			}
		case "name":
			if value != id {
				t.Fatalf("ByOf(%q) = name %q", id, value)
			}
		default:
			t.Fatalf("ByOf(%q) = unknown kind %q", id, by)
		}

		snap := importSnapshot(id)
		v, err := resolveVM(snap, id, "")
		if err != nil {
			var le *esxi.LookupError
			if !IsNotFound(err) && !errors.As(err, &le) {
				t.Fatalf("resolveVM(%q) = %T %v, want a not-found or lookup error", id, err, err)
			}
			// vSphere escapes "/" in names, so an id that starts with one
			// is a path; any other name must be found (or be ambiguous).
			ambiguous := errors.As(err, &le) && le.Ambiguous()
			if !strings.HasPrefix(id, "/") && id != "dup" && !ambiguous {
				t.Fatalf("the VM named %q was not found: %v", id, err)
			}
			return
		}
		if !matches(v, id, by, value) {
			t.Fatalf("resolveVM(%q) (%s %q) found %+v, which the id does not name", id, by, value, *v)
		}
	})
}
