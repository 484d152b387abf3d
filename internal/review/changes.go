package review

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/esxi-commander/terraform-provider-ceso/internal/policy"
)

// index answers the questions a change raises about the rest of the plan:
// which host its provider block names, and what a VM UUID it refers to is
// called.
type index struct {
	p       *planJSON
	config  map[string]configResource // by module path + address, without instance keys
	byAddr  map[string]*resourceChange
	vmNames map[string]string // instance UUID -> VM name, from prior state and plan
}

var instanceKey = regexp.MustCompile(`\[[^\]]*\]`)

func newIndex(p *planJSON) *index {
	x := &index{p: p, config: map[string]configResource{}, byAddr: map[string]*resourceChange{}, vmNames: map[string]string{}}
	var walk func(prefix string, m configModule)
	walk = func(prefix string, m configModule) {
		for _, r := range m.Resources {
			x.config[prefix+r.Address] = r
		}
		for name, call := range m.ModuleCalls {
			walk(prefix+"module."+name+".", call.Module)
		}
	}
	walk("", p.Configuration.RootModule)
	for i := range p.ResourceChanges {
		rc := &p.ResourceChanges[i]
		x.byAddr[rc.Address] = rc
		if rc.Type == "ceso_vm" {
			if id, ok := str(rc.Change.Before, "id"); ok {
				if n, ok := str(rc.Change.Before, "name"); ok {
					x.vmNames[strings.ToLower(id)] = n
				}
			}
		}
	}
	if p.PriorState != nil && p.PriorState.Values != nil && p.PriorState.Values.RootModule != nil {
		var walkState func([]stateResource, []stateChild)
		walkState = func(rs []stateResource, kids []stateChild) {
			for _, r := range rs {
				if r.Type == "ceso_vm" {
					id, ok1 := str(r.Values, "id")
					n, ok2 := str(r.Values, "name")
					if ok1 && ok2 {
						x.vmNames[strings.ToLower(id)] = n
					}
				}
			}
			for _, k := range kids {
				walkState(k.Resources, k.ChildModules)
			}
		}
		walkState(p.PriorState.Values.RootModule.Resources, p.PriorState.Values.RootModule.ChildModules)
	}
	return x
}

// configOf finds the configuration block of a resource instance; a deleted
// resource has none.
func (x *index) configOf(rc *resourceChange) (configResource, bool) {
	c, ok := x.config[instanceKey.ReplaceAllString(rc.Address, "")]
	return c, ok
}

// host is the endpoint of the provider configuration a resource uses.
// Empty when the host comes from CESO_HOST, which the plan does not record.
func (x *index) host(rc *resourceChange) string {
	return x.providerAttr(x.providerKey(rc), "host")
}

// providerKey names the provider configuration a resource uses; a deleted
// resource has no configuration left and uses the default one.
func (x *index) providerKey(rc *resourceChange) string {
	if c, ok := x.configOf(rc); ok && c.ProviderConfigKey != "" {
		return c.ProviderConfigKey
	}
	return "ceso"
}

// modes lists the mode words the ceso provider blocks set as constants.
func (x *index) modes() []string {
	var out []string
	for key := range x.p.Configuration.ProviderConfig {
		if pc := x.p.Configuration.ProviderConfig[key]; pc.Name == "ceso" {
			if m := x.providerAttr(key, "mode"); m != "" {
				out = append(out, m)
			}
		}
	}
	slices.Sort(out)
	return out
}

// providerAttr is a string attribute of a provider block: its constant, or
// the value of the variable it names; "" when neither is in the plan.
func (x *index) providerAttr(key, attr string) string {
	pc, ok := x.p.Configuration.ProviderConfig[key]
	if !ok {
		// A module's provider keys are prefixed with the module ("mod:ceso").
		if i := strings.LastIndex(key, ":"); i >= 0 {
			pc, ok = x.p.Configuration.ProviderConfig[key[i+1:]]
		}
	}
	if !ok {
		return ""
	}
	e, ok := pc.Expressions[attr]
	if !ok {
		return ""
	}
	if s, ok := e.ConstantValue.(string); ok {
		return s
	}
	for _, ref := range e.References {
		if name, ok := strings.CutPrefix(ref, "var."); ok {
			if v, ok := x.p.Variables[name]; ok {
				if s, ok := v.Value.(string); ok {
					return s
				}
			}
		}
	}
	return ""
}

// vmName names the VM a UUID attribute (a backup's vm) refers to: from the
// state, or, for a VM created by the same plan, through the reference in
// the configuration (vm = ceso_vm.web.id).
func (x *index) vmName(rc *resourceChange, vals map[string]any, attr string) string {
	if id, ok := str(vals, attr); ok {
		if n, ok := x.vmNames[strings.ToLower(id)]; ok {
			return n
		}
	}
	c, ok := x.configOf(rc)
	if !ok {
		return ""
	}
	prefix := ""
	if rc.ModuleAddress != "" {
		prefix = rc.ModuleAddress + "."
	}
	for _, ref := range c.expr(attr).References {
		if other, ok := x.byAddr[prefix+ref]; ok && other.Type == "ceso_vm" {
			if n, ok := str(other.Change.After, "name"); ok {
				return n
			}
		}
	}
	return ""
}

// review turns one resource change into a Change and the warnings it
// raises.
func (x *index) review(rc *resourceChange) (Change, []string) {
	c := Change{Address: rc.Address, Type: rc.Type, Actions: rc.Change.Actions, Host: x.host(rc), Items: []Item{}}
	ch := &rc.Change
	c.StateID, _ = str(ch.Before, "id")
	if rc.Type == "ceso_backup" || rc.Type == "ceso_restore" {
		c.VMID, _ = str(ch.After, "vm")
	}
	var warns []string
	switch rc.Type {
	case "ceso_vm":
		warns = x.reviewVM(rc, &c)
	case "ceso_backup":
		x.reviewBackup(rc, &c)
	case "ceso_snapshot":
		x.reviewSnapshot(rc, &c)
	case "ceso_restore":
		x.reviewRestore(rc, &c)
	case "ceso_image":
		x.reviewUpload(rc, &c, "name", "name", policy.ActionImageImport, policy.ActionImageDelete, "the image (a VM or template and its disks)")
	case "ceso_datastore_file":
		x.reviewUpload(rc, &c, "path", "path", policy.ActionFileUpload, policy.ActionFileDelete, "the file")
	case "ceso_cloudinit":
		c.ObjectKind = "hostname"
		c.Object = firstStr(ch.After, ch.Before, "hostname")
		c.Unscoped = true // as the provider guards it: by mode, not scope
		x.generic(rc, &c, policy.ActionDiscard, "the rendered payload lives in the state only; nothing on a host changes")
	default:
		// A resource this review does not know yet: judge it by its
		// Terraform action, failing closed (delete and replace are
		// destructive).
		c.ObjectKind = "name"
		c.Object = firstStr(ch.After, ch.Before, "name")
		x.generic(rc, &c, policy.ActionDelete, "")
	}
	return c, warns
}

// generic classifies a change by its Terraform actions alone.
func (x *index) generic(rc *resourceChange, c *Change, deleteAction policy.Action, detail string) {
	switch kind(rc.Change.Actions) {
	case "create":
		c.add(Created, policy.ActionCreate, detail)
	case "update":
		c.add(ChangedInPlace, policy.ActionUpdate, joinNonEmpty(changedAttrs(rc), detail))
	case "delete":
		c.add(Destroyed, deleteAction, detail)
	case "replace":
		action := policy.ActionReplace
		if deleteAction == policy.ActionDiscard {
			action = policy.ActionDiscard
		}
		c.add(Destroyed, action, joinNonEmpty("replaced: "+replacePaths(rc), detail))
	}
}

func (c *Change) add(e Effect, a policy.Action, detail string) {
	c.Items = append(c.Items, Item{Effect: e, Action: a, Mode: a.RequiredMode(), Detail: detail})
}

// kind folds Terraform's action lists into create, update, delete or
// replace (["delete","create"] and ["create","delete"]).
func kind(actions []string) string {
	switch {
	case len(actions) == 2:
		return "replace"
	case len(actions) == 1:
		return actions[0]
	}
	return strings.Join(actions, ",")
}

// replacePaths lists the attributes that force a replacement.
func replacePaths(rc *resourceChange) string {
	var out []string
	for _, p := range rc.Change.ReplacePaths {
		var parts []string
		for _, step := range p {
			switch v := step.(type) {
			case string:
				parts = append(parts, v)
			case float64:
				if len(parts) == 0 {
					parts = append(parts, "")
				}
				parts[len(parts)-1] += fmt.Sprintf("[%d]", int(v))
			}
		}
		if len(parts) > 0 {
			out = append(out, strings.Join(parts, "."))
		}
	}
	if len(out) == 0 {
		return "the provider asked for it"
	}
	return strings.Join(out, ", ") + " changed"
}

func str(m map[string]any, k string) (string, bool) {
	s, ok := m[k].(string)
	return s, ok && s != ""
}

func firstStr(after, before map[string]any, k string) string {
	if s, ok := str(after, k); ok {
		return s
	}
	if after == nil {
		s, _ := str(before, k)
		return s
	}
	return ""
}

func joinNonEmpty(parts ...string) string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, "; ")
}
