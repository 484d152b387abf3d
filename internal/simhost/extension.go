package simhost

import (
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

// Methods a real host has and govmomi's simulator lacks (or serves too
// leniently). The
// simulator dispatches a logged-in call to the object the session's own
// registry holds under the reference, else to the shared one; the map's
// handler cannot replace it. So for one call, a wrapper that embeds the
// simulator's object and adds the missing method goes into the calling
// session's registry (which has no property-collector handlers, so nothing
// else notices), and the session's next call takes it out again. The
// state a wrapper changes is the wrapped object's, seen by every read.

// extend puts the wrapper for this call, if one is needed, into the
// session's registry, after taking out the wrappers of its previous call.
func (h *Host) extend(ctx *simulator.Context, m *simulator.Method) {
	if ctx.Session == nil {
		return
	}
	key := ctx.Session.Key
	h.mu.Lock()
	stale := h.extended[key]
	delete(h.extended, key)
	h.mu.Unlock()
	for _, ref := range stale {
		ctx.Session.Registry.Remove(ctx, ref)
	}
	w := extension(ctx, m)
	if w == nil {
		return
	}
	ctx.Session.Registry.Put(w)
	h.mu.Lock()
	if h.extended == nil {
		h.extended = map[string][]types.ManagedObjectReference{}
	}
	h.extended[key] = append(h.extended[key], w.Reference())
	h.mu.Unlock()
}

// extension returns the wrapper that serves a method the simulator lacks,
// or nil to let the simulator serve it.
func extension(ctx *simulator.Context, m *simulator.Method) mo.Reference {
	switch m.Name {
	case "RenameSnapshot":
		if s, ok := ctx.Map.Get(m.This).(*simulator.VirtualMachineSnapshot); ok {
			return &snapshotExt{s}
		}
	case "ConsolidateVMDisks_Task":
		if v, ok := ctx.Map.Get(m.This).(*simulator.VirtualMachine); ok {
			return &vmExt{v}
		}
	case "CreateImportSpec":
		if o, ok := ctx.Map.Get(m.This).(*simulator.OvfManager); ok {
			return &ovfExt{o}
		}
	case "AddVirtualSwitch", "UpdateVirtualSwitch", "UpdatePortGroup", "RemovePortGroup":
		if n, ok := ctx.Map.Get(m.This).(*simulator.HostNetworkSystem); ok {
			return &netExt{n}
		}
	case "FindChild":
		if s, ok := ctx.Map.Get(m.This).(*simulator.SearchIndex); ok {
			return &searchExt{s}
		}
	case "QueryConfigTarget":
		if b, ok := ctx.Map.Get(m.This).(*simulator.EnvironmentBrowser); ok {
			return &envExt{b}
		}
	}
	return nil
}
