package vm

import (
	"crypto/rand"
	"fmt"
	"sort"
	"strings"

	"github.com/vmware/govmomi/vim25/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/esxi"
)

// Extra config keys ceso writes on the VMs it creates.
const (
	// KeyManaged marks a VM created by ceso ("true"), from the first task on.
	KeyManaged = "ceso.managed"
	// KeyCreateID is a UUID generated per create attempt.
	KeyCreateID = "ceso.create-id"
	// KeyState is "creating" until the final reconfigure sets "ready".
	KeyState = "ceso.state"
	// KeyManagedKeys lists the guestinfo and extra config keys ceso set
	// (comma-separated), so dropped keys can be removed and only these are
	// compared.
	KeyManagedKeys = "ceso.managed-keys"
	// KeyKeepOnRemove lists the disks to keep when removed, by slot
	// ("scsi:1,sata:0"), so Update and Delete need no prior state.
	KeyKeepOnRemove = "ceso.keep-on-remove"
	// KeyTemplate marks a template VM on a standalone host (also read by
	// the data sources); ceso never copies it onto a new VM.
	KeyTemplate = "ceso.template"
	// KeyRestoredFrom is the id of the backup a VM was restored from, so an
	// interrupted restore is adopted only by a restore of the same backup.
	KeyRestoredFrom = "ceso.restored-from"

	StateCreating = "creating"
	StateReady    = "ready"
)

// newCreateID returns a random (version 4) UUID.
func newCreateID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func isManaged(v *esxi.VM) bool { return strings.EqualFold(v.ExtraConfig[KeyManaged], "true") }

func isTemplate(v *esxi.VM) bool {
	return v.Template || strings.EqualFold(v.ExtraConfig[KeyTemplate], "true")
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func joinSorted(set map[string]bool) string {
	keys := make([]string, 0, len(set))
	for k, ok := range set {
		if ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return strings.Join(keys, ",")
}

func opt(key, value string) types.BaseOptionValue {
	return &types.OptionValue{Key: key, Value: value}
}

// desiredKeys merges the guestinfo and extra config maps of a spec.
func desiredKeys(s *Spec) map[string]string {
	out := make(map[string]string, len(s.GuestInfo)+len(s.ExtraConfig))
	for k, v := range s.ExtraConfig {
		out[k] = v
	}
	for k, v := range s.GuestInfo {
		out[k] = v
	}
	return out
}

// extraConfigChanges returns the option values that bring the VM's managed
// keys to the spec's, removing (empty value) the keys ceso set before and
// the spec no longer has; and the new managed-keys list.
func extraConfigChanges(cur map[string]string, s *Spec) []types.BaseOptionValue {
	want := desiredKeys(s)
	var out []types.BaseOptionValue
	keys := make([]string, 0, len(want))
	for k := range want {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if v, ok := cur[k]; !ok || v != want[k] {
			out = append(out, opt(k, want[k]))
		}
	}
	for _, k := range splitList(cur[KeyManagedKeys]) {
		if _, keep := want[k]; !keep {
			if _, present := cur[k]; present {
				out = append(out, opt(k, ""))
			}
		}
	}
	set := map[string]bool{}
	for k := range want {
		set[k] = true
	}
	if list := joinSorted(set); list != cur[KeyManagedKeys] {
		if list == "" && cur[KeyManagedKeys] == "" {
			return out
		}
		if list == "" {
			// An empty value would remove the key; that is what we want.
			out = append(out, opt(KeyManagedKeys, ""))
		} else {
			out = append(out, opt(KeyManagedKeys, list))
		}
	}
	return out
}
