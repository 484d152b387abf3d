package virtualdisk

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path"
	"sort"
	"strings"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
	"github.com/vmware/govmomi/vmdk"

	"github.com/esxi-commander/terraform-provider-ceso/internal/esxi"
)

// Disk is a standalone virtual disk.
type Disk struct {
	Path         string // "[datastore] folder/name.vmdk"
	SizeGiB      int64
	CapacityKB   int64  // the exact capacity, for a VM that attaches the disk
	Provisioning string // thin, thick, eager_zeroed
	AdapterType  string // lsiLogic, busLogic, ide
}

// API is what the Terraform glue needs from this package; *Manager
// implements it.
type API interface {
	Read(ctx context.Context, datacenter, diskPath string) (*Disk, error)
	Plan(ctx context.Context, datacenter string, want Disk, cur *Disk) error
	Create(ctx context.Context, datacenter string, want Disk) (*Disk, error)
	Grow(ctx context.Context, datacenter string, want Disk) (*Disk, error)
	Delete(ctx context.Context, datacenter, diskPath string) error
	Users(ctx context.Context, datacenter, diskPath string) ([]string, error)
}

var _ API = (*Manager)(nil)

// Manager runs disk operations against one endpoint; safe for concurrent use.
type Manager struct{ client *esxi.Client }

// New returns a Manager over a connected client.
func New(c *esxi.Client) *Manager { return &Manager{client: c} }

// FieldError blames one attribute of the configuration; the glue attaches
// it there. It is esxi's, shared by the domain packages.
type FieldError = esxi.FieldError

// AsFieldError returns the *FieldError in err's chain.
func AsFieldError(err error) (*FieldError, bool) { return esxi.AsFieldError(err) }

// NotFoundError says the disk does not exist (any more).
type NotFoundError struct{ Path string }

func (e *NotFoundError) Error() string { return "virtual disk " + e.Path + " does not exist" }

// IsNotFound reports whether err says the disk is gone.
func IsNotFound(err error) bool {
	var nf *NotFoundError
	return errors.As(err, &nf)
}

// where is a disk path resolved against the inventory.
type where struct {
	path object.DatastorePath
	ds   esxi.Datastore
	dc   esxi.Datacenter
}

func (m *Manager) resolve(ctx context.Context, datacenter, diskPath string) (*where, error) {
	var p object.DatastorePath
	if !p.FromString(diskPath) || p.Datastore == "" || !strings.HasSuffix(p.Path, ".vmdk") || strings.HasSuffix(p.Path, "-flat.vmdk") {
		return nil, &FieldError{Field: "path", Summary: "Invalid Disk Path",
			Detail: fmt.Sprintf("%q is not a disk descriptor path; write \"[datastore] folder/name.vmdk\".", diskPath)}
	}
	snap, err := m.client.Inventory.Get(ctx)
	if err != nil {
		return nil, err
	}
	ds, err := snap.FindDatastore(p.Datastore, datacenter)
	if err != nil {
		return nil, &FieldError{Field: "path", Summary: "Datastore Not Found", Detail: err.Error() + "."}
	}
	dc, err := snap.FindDatacenter(ds.Datacenter)
	if err != nil {
		return nil, err
	}
	return &where{path: p, ds: ds, dc: dc}, nil
}

// Read returns the disk as its descriptor says: its capacity, and its
// provisioning and adapter type where the descriptor records them
// ("" when it does not, as the simulator's descriptors do not).
func (m *Manager) Read(ctx context.Context, datacenter, diskPath string) (*Disk, error) {
	w, err := m.resolve(ctx, datacenter, diskPath)
	if err != nil {
		return nil, err
	}
	var desc *vmdk.Descriptor
	err = m.client.Pool.WithSession(ctx, func(ctx context.Context, s *esxi.Session) error {
		desc, err = download(ctx, s, w)
		return err
	})
	if err != nil {
		return nil, err
	}
	d := &Disk{Path: w.path.String(), SizeGiB: desc.Capacity() >> 30, CapacityKB: desc.Capacity() >> 10}
	if desc.DDB["thinProvisioned"] == "1" {
		d.Provisioning = "thin"
	}
	d.AdapterType = adapterFromDescriptor(desc.DDB["adapterType"])
	return d, nil
}

func adapterFromDescriptor(s string) string {
	switch strings.ToLower(s) {
	case "lsilogic":
		return string(types.VirtualDiskAdapterTypeLsiLogic)
	case "buslogic":
		return string(types.VirtualDiskAdapterTypeBusLogic)
	case "ide":
		return string(types.VirtualDiskAdapterTypeIde)
	}
	return ""
}

// download reads the disk's descriptor through the datastore's /folder
// interface. (ceso_backup reads descriptors the same way; the two belong
// in esxi once a third caller needs it.)
func download(ctx context.Context, s *esxi.Session, w *where) (*vmdk.Descriptor, error) {
	ds := object.NewDatastore(s.Client, w.ds.Ref)
	ds.InventoryPath, ds.DatacenterPath = w.ds.Path, w.dc.Path
	u := ds.NewURL(w.path.Path)
	res, err := s.Client.Client.DownloadRequest(ctx, u, &soap.DefaultDownload)
	if err != nil {
		return nil, esxi.Wrap("read "+w.path.String(), err)
	}
	defer res.Body.Close()
	switch {
	case res.StatusCode == http.StatusNotFound:
		return nil, &NotFoundError{Path: w.path.String()}
	case res.StatusCode != http.StatusOK:
		return nil, fmt.Errorf("read %s: %s", w.path.String(), res.Status)
	}
	desc, err := vmdk.ParseDescriptor(io.LimitReader(res.Body, 64<<10))
	if err != nil {
		return nil, fmt.Errorf("read %s: not a disk descriptor: %w", w.path.String(), err)
	}
	if len(desc.Extent) == 0 { // the parser takes any text; a disk has an extent
		return nil, fmt.Errorf("read %s: not a disk descriptor: it names no extent", w.path.String())
	}
	return desc, nil
}

// Users lists the VMs with the disk attached (by its descriptor path).
func (m *Manager) Users(ctx context.Context, datacenter, diskPath string) ([]string, error) {
	snap, err := m.client.Inventory.Get(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, v := range snap.VMs {
		if datacenter != "" && v.Datacenter != datacenter {
			continue
		}
		for _, dev := range v.Devices {
			disk, ok := dev.(*types.VirtualDisk)
			if !ok {
				continue
			}
			if b, ok := disk.Backing.(types.BaseVirtualDeviceFileBackingInfo); ok && samePath(b.GetVirtualDeviceFileBackingInfo().FileName, diskPath) {
				out = append(out, v.Name)
				break
			}
		}
	}
	sort.Strings(out)
	return out, nil
}

// samePath compares datastore paths, ignoring the space after the
// bracket and doubled slashes that hosts and users write differently.
func samePath(a, b string) bool {
	var pa, pb object.DatastorePath
	if !pa.FromString(a) || !pb.FromString(b) {
		return a == b
	}
	return pa.Datastore == pb.Datastore && path.Clean(pa.Path) == path.Clean(pb.Path)
}
