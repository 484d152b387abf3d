// Package dsfile uploads files (ISO images, seed images, VMDKs, anything)
// to a datastore path for the ceso_datastore_file resource, and reads and
// removes them. It holds no Terraform types.
//
// An upload streams the source (internal/source) straight into the
// datastore's HTTP file access under a temporary name next to the target,
// hashing every byte on the way; only when the bytes are all there and the
// checksum matches is the file moved to its path. A failed, cancelled or
// mismatched upload removes the temporary file, so the target path never
// holds half a file, and what an interrupted process left behind is removed
// by the next upload of the same path.
package dsfile

import (
	"context"
	"errors"
	"fmt"
	"path"
	"strings"
	"time"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/esxi"
	"github.com/esxi-commander/terraform-provider-ceso/internal/source"
)

// tempInfix marks ceso's temporary upload files:
// <file>.ceso-upload-<until>-<id> (stale.go).
const tempInfix = ".ceso-upload-"

// Spec is what to upload where.
type Spec struct {
	Source       string // local path or http(s) URL
	SourceSHA256 string // hex; empty checks nothing
	Path         string // [datastore] folder/file
	Datacenter   string // default: the only one
}

// File is what ceso knows about an uploaded file.
type File struct {
	Path      string // [datastore] folder/file
	Datastore string
	Size      int64
	SHA256    string // of the uploaded bytes; "" when read back from the host
	// Modified is when the file last changed, as the datastore browser
	// reports it (zero when the host does not say). With Size it tells,
	// without reading the file back, that it changed since ceso uploaded it.
	Modified time.Time
}

// Progress is one report of an upload.
type Progress struct {
	Percent int
	Bytes   int64
	Total   int64
}

// FieldError blames one attribute of the configuration; the glue attaches
// it there. It is esxi's, shared by the domain packages.
type FieldError = esxi.FieldError

func fieldErr(field, summary, detail string, args ...any) *FieldError {
	return &FieldError{Field: field, Summary: summary, Detail: fmt.Sprintf(detail, args...)}
}

// AsFieldError returns the *FieldError in err's chain.
func AsFieldError(err error) (*FieldError, bool) { return esxi.AsFieldError(err) }

// ErrNotFound says the file is not on the datastore.
var ErrNotFound = errors.New("the file is not on the datastore")

// Manager uploads, reads and removes datastore files on one endpoint.
type Manager struct {
	client *esxi.Client
	Opener source.Opener
	// ConfirmRemove, when set, is asked before an upload removes the
	// temporary file an interrupted upload of the same path left behind
	// (a file this caller's state did not create); ErrKeep keeps it and
	// goes on, any other error stops the upload.
	ConfirmRemove func(ctx context.Context, path string) error
}

// New returns a Manager over a connected client.
func New(c *esxi.Client) *Manager { return &Manager{client: c} }

// target is a resolved datastore path.
type target struct {
	dc   esxi.Datacenter
	ds   esxi.Datastore
	rel  string // path inside the datastore
	full string // [datastore] rel
}

func (m *Manager) resolve(ctx context.Context, p, datacenter string) (*target, error) {
	var dp object.DatastorePath
	if !dp.FromString(p) || dp.Datastore == "" || dp.Path == "" || strings.HasSuffix(dp.Path, "/") {
		return nil, fieldErr("path", "Invalid Datastore Path", "%q is not a file path of the form \"[datastore] folder/file.iso\".", p)
	}
	if strings.Contains(dp.Path, "..") {
		return nil, fieldErr("path", "Invalid Datastore Path", "%q leaves its folder (..).", p)
	}
	if strings.Contains(path.Base(dp.Path), tempInfix) {
		return nil, fieldErr("path", "Invalid Datastore Path", "%q is the name ceso gives its temporary upload files.", p)
	}
	snap, err := m.client.Inventory.Get(ctx)
	if err != nil {
		return nil, err
	}
	dc, err := snap.FindDatacenter(datacenter)
	if err != nil {
		return nil, &FieldError{Field: "datacenter", Summary: "Datacenter Not Found", Detail: err.Error(), Err: err}
	}
	ds, err := snap.FindDatastore(dp.Datastore, dc.Name)
	if err != nil {
		return nil, &FieldError{Field: "path", Summary: "Datastore Not Found", Detail: err.Error(), Err: err}
	}
	return &target{dc: dc, ds: ds, rel: dp.Path, full: dp.String()}, nil
}

// datastore returns the govmomi datastore object of t on session s, ready
// for HTTP file access.
func (t *target) datastore(s *esxi.Session) *object.Datastore {
	ds := object.NewDatastore(s.Client, t.ds.Ref)
	ds.InventoryPath = t.ds.Path
	ds.DatacenterPath = t.dc.Path
	return ds
}

// Read returns the file's size and modification time from the datastore
// browser (the file is never downloaded); ErrNotFound when it is gone.
func (m *Manager) Read(ctx context.Context, p, datacenter string) (*File, error) {
	t, err := m.resolve(ctx, p, datacenter)
	if err != nil {
		return nil, err
	}
	var f *File
	err = m.client.Pool.WithSession(ctx, func(ctx context.Context, s *esxi.Session) error {
		info, err := t.datastore(s).Stat(ctx, t.rel)
		if err != nil {
			var nf object.DatastoreNoSuchFileError
			var nd object.DatastoreNoSuchDirectoryError
			if errors.As(err, &nf) || errors.As(err, &nd) {
				return ErrNotFound
			}
			return esxi.Wrap("look at "+t.full, err)
		}
		fi := info.GetFileInfo()
		f = &File{Path: t.full, Datastore: t.ds.Name, Size: fi.FileSize}
		if fi.Modification != nil {
			f.Modified = fi.Modification.UTC()
		}
		return nil
	})
	return f, err
}

// Delete removes the file; a file that is already gone is not an error.
func (m *Manager) Delete(ctx context.Context, p, datacenter string) error {
	if err := m.client.CheckWritable(); err != nil {
		return err
	}
	t, err := m.resolve(ctx, p, datacenter)
	if err != nil {
		return err
	}
	return m.client.Pool.WithSession(ctx, func(ctx context.Context, s *esxi.Session) error {
		return deleteFile(ctx, s, t.dc.Ref, t.full)
	})
}

func deleteFile(ctx context.Context, s *esxi.Session, dc types.ManagedObjectReference, full string) error {
	task, err := object.NewFileManager(s.Client).DeleteDatastoreFile(ctx, full, object.NewDatacenter(s.Client, dc))
	_, err = esxi.WaitTask(ctx, "delete "+full, task, err)
	if esxi.KindOf(err) == esxi.KindNotFound {
		return nil
	}
	return err
}
