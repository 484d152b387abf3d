package backup

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/esxi-commander/terraform-provider-ceso/internal/esxi"
)

// StatusInvalid marks a backup folder whose manifest cannot be read (it is
// damaged, or written by a newer ceso). ceso never removes such a folder by
// itself, and never restores from it.
const StatusInvalid = "invalid"

// Entry is one backup folder found on a destination.
type Entry struct {
	ID     string
	VMName string // from the manifest; the folder's name when there is none
	Dir    string // "[ds] folder/<vm>/<id>"
	Status string // complete, failed, incomplete, invalid
	Time   time.Time
	// Manifest is nil for an incomplete or invalid folder.
	Manifest *Manifest
	// Problem says why the manifest could not be read (status invalid).
	Problem string
}

// Filter narrows a listing; zero fields match everything.
type Filter struct {
	VMName     string
	NewerThan  time.Time
	Status     string
	Datacenter string // where to look for the destination's datastore (vCenter)
}

func (f Filter) match(e Entry) bool {
	return (f.VMName == "" || e.VMName == f.VMName) &&
		(f.NewerThan.IsZero() || e.Time.After(f.NewerThan)) &&
		(f.Status == "" || e.Status == f.Status)
}

// scope finds the datacenter of a datastore.
func (m *Manager) scope(ctx context.Context, datastore, datacenter, field string) (*esxi.Snapshot, esxi.Datacenter, error) {
	snap, err := m.client.Inventory.Get(ctx)
	if err != nil {
		return nil, esxi.Datacenter{}, err
	}
	ds, err := snap.FindDatastore(datastore, datacenter)
	if err != nil {
		return nil, esxi.Datacenter{}, &FieldError{Field: field, Summary: "Datastore Not Found", Detail: err.Error(), Err: err}
	}
	dc, err := snap.FindDatacenter(ds.Datacenter)
	return snap, dc, err
}

// List reads the catalog of a destination ("[ds] folder"): every backup
// folder under it, newest first, with its manifest. Folders without a
// manifest are listed with status incomplete, never as good backups.
func (m *Manager) List(ctx context.Context, destination string, f Filter) ([]Entry, error) {
	dest, err := ParseLocation(destination)
	if err != nil {
		return nil, err
	}
	snap, dc, err := m.scope(ctx, dest.Datastore, f.Datacenter, "destination")
	if err != nil {
		return nil, err
	}
	var out []Entry
	err = m.client.Pool.WithSession(ctx, func(ctx context.Context, s *esxi.Session) error {
		all, err := newStore(s, dc, snap, &m.requests).list(ctx, dest, true)
		for _, e := range all {
			if f.match(e) {
				out = append(out, e)
			}
		}
		return err
	})
	return out, err
}

// list finds the backup folders under root: root/<vm>/<id> when deep,
// root/<id> otherwise (root is then one VM's folder), and reads their
// manifests. Newest first.
func (st *store) list(ctx context.Context, root Location, deep bool) ([]Entry, error) {
	found, err := st.search(ctx, root, true)
	if err != nil {
		return nil, err
	}
	parentOK := func(dir Location) bool {
		if deep {
			return dir.Parent() == root && dir != root
		}
		return dir == root
	}
	hasManifest := map[Location]bool{}
	var dirs []Location
	for _, e := range found {
		switch {
		case e.folder && ValidID(e.name) && parentOK(e.dir):
			dirs = append(dirs, e.dir.Join(e.name))
		case !e.folder && e.name == ManifestName:
			hasManifest[e.dir] = true
		}
	}
	var out []Entry
	for _, d := range dirs {
		e := Entry{ID: d.Base(), VMName: d.Parent().Base(), Dir: d.String(), Status: StatusIncomplete}
		e.Time, _ = IDTime(e.ID)
		if hasManifest[d] {
			m, err := st.readManifest(ctx, d)
			switch {
			case err == nil:
				e.Manifest, e.Status, e.VMName, e.Time = m, m.Status, m.VM.Name, m.Started
			case IsNotFound(err): // removed meanwhile
				continue
			default:
				var ee *esxi.Error
				if errors.As(err, &ee) && ee.Kind != esxi.KindUnknown {
					return nil, err // the host, not the manifest, is the problem
				}
				e.Status, e.Problem = StatusInvalid, err.Error()
			}
		}
		out = append(out, e)
	}
	sort.SliceStable(out, func(i, j int) bool { return newer(out[i], out[j]) })
	return out, nil
}

// newer orders entries newest first: by start time (ids name the second
// only), then by id.
func newer(a, b Entry) bool {
	if !a.Time.Equal(b.Time) {
		return a.Time.After(b.Time)
	}
	return a.ID > b.ID
}

// readManifest downloads and parses the manifest in dir; Dir is set to
// where it was found.
func (st *store) readManifest(ctx context.Context, dir Location) (*Manifest, error) {
	b, err := st.download(ctx, dir.Join(ManifestName))
	if err != nil {
		return nil, err
	}
	m, err := decodeManifest(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", dir.Join(ManifestName), err)
	}
	if m.ID != dir.Base() {
		return nil, fmt.Errorf("%s: the manifest is of backup %s, not of its folder's", dir.Join(ManifestName), m.ID)
	}
	m.Dir = dir.String()
	return m, nil
}

// Read returns the manifest of a backup given by its folder or manifest
// path ("[ds] folder/<vm>/<id>[/manifest.json]"), whatever its status; a
// missing one is a *NotFoundError.
func (m *Manager) Read(ctx context.Context, ref string) (*Manifest, error) {
	dir, err := parseDir(ref)
	if err != nil {
		return nil, err
	}
	snap, dc, err := m.scope(ctx, dir.Datastore, "", "backup")
	if err != nil {
		if esxi.IsNotFound(err) {
			return nil, &NotFoundError{Ref: ref}
		}
		return nil, err
	}
	var out *Manifest
	err = m.client.Pool.WithSession(ctx, func(ctx context.Context, s *esxi.Session) error {
		var err error
		out, err = newStore(s, dc, snap, &m.requests).readManifest(ctx, dir)
		return err
	})
	if IsNotFound(err) {
		return nil, &NotFoundError{Ref: ref}
	}
	return out, err
}

// Find returns the manifest of a backup given by its id (searched on every
// accessible datastore of the datacenter), folder or manifest path.
func (m *Manager) Find(ctx context.Context, ref, datacenter string) (*Manifest, error) {
	ref = strings.TrimSpace(ref)
	if strings.HasPrefix(ref, "[") {
		return m.Read(ctx, ref)
	}
	if !ValidID(ref) {
		return nil, fieldErr("backup", "Invalid Backup Reference",
			"%q is neither a backup id (like 20261125T221500Z-3f9a) nor the datastore path of a backup's manifest.", ref)
	}
	snap, err := m.client.Inventory.Get(ctx)
	if err != nil {
		return nil, err
	}
	var found []*Manifest
	var paths []string
	err = m.client.Pool.WithSession(ctx, func(ctx context.Context, s *esxi.Session) error {
		for _, ds := range snap.Datastores {
			if !ds.Accessible || (datacenter != "" && ds.Datacenter != datacenter) {
				continue
			}
			dc, err := snap.FindDatacenter(ds.Datacenter)
			if err != nil {
				continue
			}
			st := newStore(s, dc, snap, &m.requests)
			hits, err := st.search(ctx, Location{Datastore: ds.Name}, true, ref)
			if err != nil {
				return err
			}
			for _, h := range hits {
				if !h.folder || h.name != ref {
					continue
				}
				dir := h.dir.Join(h.name)
				man, err := st.readManifest(ctx, dir)
				if IsNotFound(err) {
					continue // an incomplete folder
				}
				if err != nil {
					return err
				}
				found = append(found, man)
				paths = append(paths, dir.String())
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	switch len(found) {
	case 0:
		return nil, &NotFoundError{Ref: ref}
	case 1:
		return found[0], nil
	}
	return nil, &AmbiguousError{ID: ref, Paths: paths}
}

// Delete removes a backup's folder (given by its folder or manifest path)
// with everything in it. A backup that is gone already is not an error.
// The VM's folder above it stays, even when empty: a backup of the same VM
// running at the same time may be writing into it.
func (m *Manager) Delete(ctx context.Context, ref string) error {
	dir, err := parseDir(ref)
	if err != nil {
		return err
	}
	if err := m.client.CheckWritable(); err != nil {
		return err
	}
	snap, dc, err := m.scope(ctx, dir.Datastore, "", "backup")
	if err != nil {
		return err
	}
	defer m.client.Inventory.Invalidate()
	return m.client.Pool.WithSession(ctx, func(ctx context.Context, s *esxi.Session) error {
		return newStore(s, dc, snap, &m.requests).remove(ctx, dir)
	})
}
