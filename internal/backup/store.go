package backup

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path"
	"strings"
	"sync/atomic"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/esxi"
)

// maxSmallFile bounds what ceso downloads: manifests, descriptors and
// configuration files. Disks are never downloaded.
const maxSmallFile = 16 << 20

// store does the file work of one session in one datacenter: folders,
// copies, deletes, searches (FileManager, VirtualDiskManager,
// HostDatastoreBrowser) and small downloads and uploads through the
// datastore's /folder HTTP interface, which carries the session cookie.
type store struct {
	s        *esxi.Session
	dc       esxi.Datacenter
	snap     *esxi.Snapshot
	browsers map[string]*object.HostDatastoreBrowser
	requests *atomic.Int64 // HTTP requests, for benchmarks
}

func newStore(s *esxi.Session, dc esxi.Datacenter, snap *esxi.Snapshot, requests *atomic.Int64) *store {
	return &store{s: s, dc: dc, snap: snap, browsers: map[string]*object.HostDatastoreBrowser{}, requests: requests}
}

func (st *store) dco() *object.Datacenter { return object.NewDatacenter(st.s.Client, st.dc.Ref) }

// datastore returns a datastore object that can build /folder URLs.
func (st *store) datastore(name string) (*object.Datastore, error) {
	d, err := st.snap.FindDatastore(name, st.dc.Name)
	if err != nil {
		return nil, err
	}
	o := object.NewDatastore(st.s.Client, d.Ref)
	o.InventoryPath = d.Path
	o.DatacenterPath = st.dc.Path
	return o, nil
}

// mkdir makes a folder and its parents; an existing folder is fine.
func (st *store) mkdir(ctx context.Context, l Location) error {
	ds, err := st.snap.FindDatastore(l.Datastore, st.dc.Name)
	if err != nil {
		return err
	}
	return esxi.MakeDirectory(ctx, st.s, st.dc.Ref, ds, l.Folder)
}

// remove deletes a file or a folder with everything in it; a missing one is fine.
func (st *store) remove(ctx context.Context, l Location) error {
	task, err := object.NewFileManager(st.s.Client).DeleteDatastoreFile(ctx, l.String(), st.dco())
	if _, err := esxi.WaitTask(ctx, "delete "+l.String(), task, err); err != nil && esxi.KindOf(err) != esxi.KindNotFound {
		return err
	}
	return nil
}

// copyFile copies one file (not a disk) with FileManager.
func (st *store) copyFile(ctx context.Context, src string, dst Location) error {
	task, err := object.NewFileManager(st.s.Client).CopyDatastoreFile(ctx, src, st.dco(), dst.String(), st.dco(), false)
	_, err = esxi.WaitOrCancel(ctx, "copy "+src+" to "+dst.String(), task, err)
	return err
}

// copyDisk copies a virtual disk (its whole chain, consolidated) into dst
// in the given provisioning.
func (st *store) copyDisk(ctx context.Context, src string, dst Location, format, family string) error {
	spec := &types.VirtualDiskSpec{DiskType: esxi.DiskType(format), AdapterType: string(types.VirtualDiskAdapterTypeLsiLogic)}
	if family == "ide" {
		spec.AdapterType = string(types.VirtualDiskAdapterTypeIde)
	}
	task, err := object.NewVirtualDiskManager(st.s.Client).CopyVirtualDisk(ctx, src, st.dco(), dst.String(), st.dco(), spec, false)
	_, err = esxi.WaitOrCancel(ctx, "copy disk "+src+" to "+dst.String(), task, err)
	return err
}

// browser returns the datastore's browser (one property read, cached).
func (st *store) browser(ctx context.Context, ds string) (*object.HostDatastoreBrowser, error) {
	if b, ok := st.browsers[ds]; ok {
		return b, nil
	}
	d, err := st.snap.FindDatastore(ds, st.dc.Name)
	if err != nil {
		return nil, err
	}
	var o mo.Datastore
	if err := object.NewDatastore(st.s.Client, d.Ref).Properties(ctx, d.Ref, []string{"browser"}, &o); err != nil {
		return nil, esxi.Wrap("read the browser of datastore "+ds, err)
	}
	b := object.NewHostDatastoreBrowser(st.s.Client, o.Browser)
	st.browsers[ds] = b
	return b, nil
}

// entry is one file or folder a search found.
type entry struct {
	dir    Location // the folder it is in
	name   string
	folder bool
	size   int64
}

// search lists what is in l (and, with recurse, below it); a missing
// folder lists nothing. patterns default to every name.
func (st *store) search(ctx context.Context, l Location, recurse bool, patterns ...string) ([]entry, error) {
	b, err := st.browser(ctx, l.Datastore)
	if err != nil {
		return nil, err
	}
	if len(patterns) == 0 {
		patterns = []string{"*"}
	}
	spec := types.HostDatastoreBrowserSearchSpec{
		MatchPattern: patterns,
		Details:      &types.FileQueryFlags{FileType: true, FileSize: true, Modification: true},
	}
	var task *object.Task
	if recurse {
		task, err = b.SearchDatastoreSubFolders(ctx, l.String(), &spec)
	} else {
		task, err = b.SearchDatastore(ctx, l.String(), &spec)
	}
	info, err := esxi.WaitTask(ctx, "list "+l.String(), task, err)
	if err != nil {
		if esxi.KindOf(err) == esxi.KindNotFound {
			return nil, nil
		}
		return nil, err
	}
	var results []types.HostDatastoreBrowserSearchResults
	switch r := info.Result.(type) {
	case types.ArrayOfHostDatastoreBrowserSearchResults:
		results = r.HostDatastoreBrowserSearchResults
	case types.HostDatastoreBrowserSearchResults:
		results = []types.HostDatastoreBrowserSearchResults{r}
	}
	var out []entry
	for _, r := range results {
		dir, err := ParseLocation(r.FolderPath)
		if err != nil {
			continue
		}
		for _, f := range r.File {
			fi := f.GetFileInfo()
			_, folder := f.(*types.FolderFileInfo)
			out = append(out, entry{dir: dir, name: path.Base(fi.Path), folder: folder, size: fi.FileSize})
		}
	}
	return out, nil
}

// download reads a small file through /folder; a missing file is a
// *NotFoundError. It stops at maxSmallFile bytes.
func (st *store) download(ctx context.Context, l Location) ([]byte, error) {
	ds, err := st.datastore(l.Datastore)
	if err != nil {
		return nil, err
	}
	u := ds.NewURL(l.Folder)
	st.requests.Add(1)
	res, err := st.s.Client.Client.DownloadRequest(ctx, u, &soap.DefaultDownload)
	if err != nil {
		return nil, esxi.Wrap("download "+l.String(), err)
	}
	defer res.Body.Close()
	switch {
	case res.StatusCode == http.StatusNotFound:
		_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 4096))
		return nil, &NotFoundError{Ref: l.String()}
	case res.StatusCode != http.StatusOK:
		return nil, &esxi.Error{Op: "download " + l.String(), Kind: kindOfStatus(res.StatusCode), Err: errors.New(res.Status)}
	}
	b, err := io.ReadAll(io.LimitReader(res.Body, maxSmallFile+1))
	if err != nil {
		return nil, esxi.Wrap("download "+l.String(), err)
	}
	if len(b) > maxSmallFile {
		return nil, fmt.Errorf("download %s: larger than %d bytes", l, maxSmallFile)
	}
	return b, nil
}

// upload writes a small file through /folder, replacing one of the same name.
func (st *store) upload(ctx context.Context, l Location, data []byte) error {
	ds, err := st.datastore(l.Datastore)
	if err != nil {
		return err
	}
	p := soap.DefaultUpload
	p.ContentLength = int64(len(data))
	p.Type = "application/json"
	st.requests.Add(1)
	if err := ds.Upload(ctx, bytes.NewReader(data), l.Folder, &p); err != nil {
		kind := esxi.KindUnknown
		if strings.HasPrefix(err.Error(), "401") || strings.HasPrefix(err.Error(), "403") {
			kind = esxi.KindNoPermission
		}
		return &esxi.Error{Op: "write " + l.String(), Kind: kind, Err: err}
	}
	return nil
}

func kindOfStatus(code int) esxi.Kind {
	switch code {
	case http.StatusUnauthorized, http.StatusForbidden:
		return esxi.KindNoPermission
	case http.StatusNotFound:
		return esxi.KindNotFound
	}
	return esxi.KindUnknown
}

func sum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}
