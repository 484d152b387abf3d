package image

import (
	"context"
	"strings"
	"time"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/esxi"
	"github.com/esxi-commander/terraform-provider-ceso/internal/source"
	"github.com/esxi-commander/terraform-provider-ceso/internal/vm"
)

// Extra config keys ceso writes on an image it deploys. KeyImage is set by
// the import spec itself, so the VM the host creates carries it from the
// first moment: an import interrupted by a crash is recognised (by its
// create id, or by "importing") and removed, never mistaken for a user's VM.
const (
	KeyImage    = "ceso.image"        // "importing", then "ready"
	KeyCreateID = "ceso.create-id"    // random per import attempt
	KeySHA256   = "ceso.image.sha256" // the verified source_sha256, if any
	// KeyLeaseUntil is when the import that created the VM gives up at the
	// latest (its deadline, RFC 3339). Another process removes an
	// "importing" VM of the same name only after that: until then the
	// import may still be running in another apply.
	KeyLeaseUntil  = "ceso.image.lease-until"
	StateImporting = "importing"
	StateReady     = "ready"
)

// Manager deploys and manages images on one endpoint. It is safe for
// concurrent use.
type Manager struct {
	client *esxi.Client
	// Opener reads sources; its HTTP client is used for URLs.
	Opener source.Opener
	// KeepAlive is how often the NFC lease is renewed and progress
	// reported during an upload (default 5 s; a lease expires after a few
	// minutes without news).
	KeepAlive time.Duration
	// ConfirmRemove, when set, is asked before an import removes the
	// leftover of an interrupted import of the same name (a VM this
	// caller's state did not create); an error stops the import.
	ConfirmRemove func(ctx context.Context, uuid, path string) error
}

// New returns a Manager over a connected client.
func New(c *esxi.Client) *Manager { return &Manager{client: c, KeepAlive: 5 * time.Second} }

// Progress is one report of an upload.
type Progress struct {
	Percent int
	Bytes   int64
	Total   int64
}

// Image is what ceso reads about a deployed image.
type Image struct {
	UUID       string
	MOID       string
	Name       string
	Path       string
	Datacenter string
	Datastore  string
	Folder     string
	Template   bool
	SHA256     string // source_sha256 recorded at import ("" when none)
	Disks      []Disk
	// Warnings are what the host said about the package when it built the
	// import spec (unsupported hardware it left out, for example); set by
	// Import only.
	Warnings []string
}

// Disk is one virtual disk of an image.
type Disk struct {
	Label      string
	Path       string // [datastore] folder/file.vmdk
	SizeBytes  int64
	Controller string // scsi, sata, nvme, ide
	UnitNumber int32
}

// Read returns the image with the given instance UUID.
func (m *Manager) Read(ctx context.Context, uuid string) (*Image, error) {
	snap, err := m.client.Inventory.Get(ctx)
	if err != nil {
		return nil, err
	}
	v, ok := snap.VMByUUID(uuid)
	if !ok {
		return nil, &NotFoundError{Ref: uuid}
	}
	return toImage(v), nil
}

// Lookup finds an image by instance UUID, inventory path or name (for
// import), within datacenter when it is set.
func (m *Manager) Lookup(ctx context.Context, id, datacenter string) (*Image, error) {
	snap, err := m.client.Inventory.Get(ctx)
	if err != nil {
		return nil, err
	}
	by := "name"
	switch {
	case strings.HasPrefix(id, "/"):
		by = "path"
	case looksLikeUUID(id):
		by = "uuid"
	}
	v, err := snap.FindVM(by, id, datacenter)
	if esxi.IsNotFound(err) {
		return nil, &NotFoundError{Ref: id}
	}
	if err != nil {
		return nil, fieldErr("id", "Ambiguous Image", "%v; import by UUID or inventory path instead.", err)
	}
	return toImage(v), nil
}

func looksLikeUUID(s string) bool {
	return len(s) == 36 && strings.Count(s, "-") == 4
}

// Delete destroys the image and its files. An image that is already gone
// is not an error.
func (m *Manager) Delete(ctx context.Context, uuid string) error {
	if err := m.client.CheckWritable(); err != nil {
		return err
	}
	m.client.Inventory.Invalidate()
	snap, err := m.client.Inventory.Get(ctx)
	if err != nil {
		return err
	}
	v, ok := snap.VMByUUID(uuid)
	if !ok {
		return nil
	}
	defer m.client.Inventory.Invalidate()
	return m.client.Pool.WithSession(ctx, func(ctx context.Context, s *esxi.Session) error {
		return destroy(ctx, s, v.Ref, v.Name)
	})
}

// destroy removes one VM or template with its files.
func destroy(ctx context.Context, s *esxi.Session, ref types.ManagedObjectReference, name string) error {
	obj := object.NewVirtualMachine(s.Client, ref)
	task, err := obj.Destroy(ctx)
	_, err = esxi.WaitTask(ctx, "destroy image "+name, task, err)
	return err
}

func toImage(v esxi.VM) *Image {
	img := &Image{
		UUID: v.UUID, MOID: v.Ref.Value, Name: v.Name, Path: v.Path, Datacenter: v.Datacenter, Folder: v.Folder,
		Template: v.Template || strings.EqualFold(v.ExtraConfig[vm.KeyTemplate], "true"),
		SHA256:   v.ExtraConfig[KeySHA256],
	}
	if len(v.Datastores) > 0 {
		img.Datastore = v.Datastores[0]
	}
	if ds, _, ok := strings.Cut(strings.TrimPrefix(v.VMXPath, "["), "]"); ok && ds != "" {
		img.Datastore = ds
	}
	img.Disks = []Disk{}
	byKey := map[int32]types.BaseVirtualDevice{}
	for _, d := range v.Devices {
		byKey[d.GetVirtualDevice().Key] = d
	}
	for _, d := range v.Devices {
		disk, ok := d.(*types.VirtualDisk)
		if !ok {
			continue
		}
		out := Disk{SizeBytes: disk.CapacityInBytes}
		if out.SizeBytes == 0 {
			out.SizeBytes = disk.CapacityInKB * 1024
		}
		if info := disk.DeviceInfo.GetDescription(); info != nil {
			out.Label = info.Label
		}
		if b, ok := disk.Backing.(types.BaseVirtualDeviceFileBackingInfo); ok {
			out.Path = b.GetVirtualDeviceFileBackingInfo().FileName
		}
		if disk.UnitNumber != nil {
			out.UnitNumber = *disk.UnitNumber
		}
		if c, ok := byKey[disk.ControllerKey]; ok {
			out.Controller = esxi.ControllerFamily(c)
		}
		img.Disks = append(img.Disks, out)
	}
	return img
}
