package simhost

import (
	"errors"
	"os"
	"path/filepath"
	"strings"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/types"
)

// Strict rule: top-level folders on a vSAN (or vVol) datastore are
// namespace objects.
//
// On a real vSAN datastore FileManager.MakeDirectory cannot make a folder
// at the top of the datastore (CannotCreateFile); the
// DatastoreNamespaceManager makes it (CreateDirectory), and folders below it
// are made as usual. The simulator makes any folder anywhere. With
// MakeVSAN the named datastore reports type vsan and refuses such a
// MakeDirectory unless CreateDirectory made the top-level folder. (The
// simulator then names top-level folders by UUID and makes VMs there only
// with three hosts: a test of files on it should not need VMs.)

// MakeVSAN gives the datastore the vsan type and turns the rule on for it.
func (h *Host) MakeVSAN(name string) error {
	for _, e := range h.Model.Map().All("Datastore") {
		if ds, ok := e.(*simulator.Datastore); ok && ds.Name == name {
			h.Model.Map().WithLock(h.Model.Service.Context, ds, func() {
				ds.Summary.Type = string(types.HostFileSystemVolumeFileSystemTypeVsan)
			})
			h.mu.Lock()
			h.vsan = name
			h.mu.Unlock()
			return nil
		}
	}
	return errors.New("simhost: no datastore " + name + " to make vSAN")
}

// vsanRefusal refuses a MakeDirectory whose top-level folder does not exist
// yet on the vSAN datastore.
func (h *Host) vsanRefusal(ctx *simulator.Context, m *simulator.Method) types.BaseMethodFault {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.vsan == "" {
		return nil
	}
	if cd, ok := m.Body.(*types.CreateDirectory); ok {
		if h.vsanTops == nil {
			h.vsanTops = map[string]bool{}
		}
		h.vsanTops[cd.DisplayName] = true
		return nil
	}
	req, ok := m.Body.(*types.MakeDirectory)
	vsan := h.vsan
	if !ok {
		return nil
	}
	var p object.DatastorePath
	if !p.FromString(req.Name) || p.Datastore != vsan {
		return nil
	}
	top, _, _ := strings.Cut(strings.Trim(p.Path, "/"), "/")
	if h.vsanTops[top] {
		return nil
	}
	for _, e := range ctx.Map.All("Datastore") {
		ds, ok := e.(*simulator.Datastore)
		if !ok || ds.Name != p.Datastore {
			continue
		}
		dir := strings.TrimPrefix(ds.Info.GetDatastoreInfo().Url, "file://")
		if _, err := os.Stat(filepath.Join(dir, top)); err == nil {
			return nil
		}
	}
	return &types.CannotCreateFile{FileFault: types.FileFault{File: req.Name}}
}
