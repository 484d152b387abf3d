package virtualdisk

import (
	"context"
	"fmt"
	"path"
	"strings"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/esxi"
)

// diskType maps ceso's provisioning words to the API's.
func diskType(provisioning string) types.VirtualDiskType {
	switch provisioning {
	case "thick":
		return types.VirtualDiskTypePreallocated
	case "eager_zeroed":
		return types.VirtualDiskTypeEagerZeroedThick
	}
	return types.VirtualDiskTypeThin
}

// Plan checks a disk to create (cur nil) or grow before anything changes:
// the path, its datastore, no disk already there, and no shrinking.
func (m *Manager) Plan(ctx context.Context, datacenter string, want Disk, cur *Disk) error {
	if want.SizeGiB < 1 {
		return &FieldError{Field: "size_gib", Summary: "Invalid Disk Size", Detail: "A disk has at least 1 GiB."}
	}
	if cur != nil {
		if want.SizeGiB < cur.SizeGiB {
			return &FieldError{Field: "size_gib", Summary: "Cannot Shrink Disk",
				Detail: fmt.Sprintf("Disk %s has %d GiB; a virtual disk cannot shrink (the guest's file systems would lose their end). Keep size_gib at %d or more, or make a new, smaller disk and copy the data inside the guest.", want.Path, cur.SizeGiB, cur.SizeGiB)}
		}
		return nil
	}
	if _, err := m.resolve(ctx, datacenter, want.Path); err != nil {
		return err
	}
	_, err := m.Read(ctx, datacenter, want.Path)
	switch {
	case err == nil:
		return &FieldError{Field: "path", Summary: "Disk Exists",
			Detail: fmt.Sprintf("%s already exists. Import it (terraform import with this path) or pick another path.", want.Path)}
	case IsNotFound(err):
		return nil
	}
	return err
}

// Create makes the disk, and its folder first when it is missing.
func (m *Manager) Create(ctx context.Context, datacenter string, want Disk) (*Disk, error) {
	if err := m.Plan(ctx, datacenter, want, nil); err != nil {
		return nil, err
	}
	w, err := m.resolve(ctx, datacenter, want.Path)
	if err != nil {
		return nil, err
	}
	err = m.client.Pool.WithSession(ctx, func(ctx context.Context, s *esxi.Session) error {
		dc := object.NewDatacenter(s.Client, w.dc.Ref)
		if dir := path.Dir(w.path.Path); dir != "." && dir != "/" {
			folder := fmt.Sprintf("[%s] %s", w.path.Datastore, dir)
			if err := object.NewFileManager(s.Client).MakeDirectory(ctx, folder, dc, true); err != nil && esxi.KindOf(err) != esxi.KindDuplicateName {
				return esxi.Wrap("make folder "+folder, err)
			}
		}
		spec := &types.FileBackedVirtualDiskSpec{
			VirtualDiskSpec: types.VirtualDiskSpec{DiskType: string(diskType(want.Provisioning)), AdapterType: want.AdapterType},
			CapacityKb:      want.SizeGiB << 20,
		}
		task, err := object.NewVirtualDiskManager(s.Client).CreateVirtualDisk(ctx, w.path.String(), dc, spec)
		_, err = esxi.WaitTask(ctx, "create disk "+w.path.String(), task, err)
		return err
	})
	if err != nil {
		return nil, err
	}
	return m.readAs(ctx, datacenter, want)
}

// readAs reads the disk back, keeping the provisioning and adapter type
// asked for where the descriptor does not record them.
func (m *Manager) readAs(ctx context.Context, datacenter string, want Disk) (*Disk, error) {
	d, err := m.Read(ctx, datacenter, want.Path)
	if err != nil {
		return nil, err
	}
	if d.Provisioning == "" || (d.Provisioning == "thin") != (want.Provisioning == "thin") {
		d.Provisioning = want.Provisioning
	}
	if d.AdapterType == "" {
		d.AdapterType = want.AdapterType
	}
	return d, nil
}

// Grow extends the disk to want.SizeGiB; the guest must grow its file
// systems itself. Shrinking is refused.
func (m *Manager) Grow(ctx context.Context, datacenter string, want Disk) (*Disk, error) {
	cur, err := m.Read(ctx, datacenter, want.Path)
	if err != nil {
		return nil, err
	}
	if err := m.Plan(ctx, datacenter, want, cur); err != nil {
		return nil, err
	}
	if want.SizeGiB > cur.SizeGiB {
		w, err := m.resolve(ctx, datacenter, want.Path)
		if err != nil {
			return nil, err
		}
		err = m.client.Pool.WithSession(ctx, func(ctx context.Context, s *esxi.Session) error {
			eager := want.Provisioning == "eager_zeroed"
			task, err := object.NewVirtualDiskManager(s.Client).ExtendVirtualDisk(ctx, w.path.String(), object.NewDatacenter(s.Client, w.dc.Ref), want.SizeGiB<<20, &eager)
			_, err = esxi.WaitTask(ctx, "grow disk "+w.path.String(), task, err)
			return err
		})
		if err != nil {
			return nil, err
		}
	}
	return m.readAs(ctx, datacenter, want)
}

// Delete removes the disk's files, after checking on the host as it is
// now that no VM has it attached. A disk already gone is not an error.
func (m *Manager) Delete(ctx context.Context, datacenter, diskPath string) error {
	m.client.Inventory.Invalidate()
	users, err := m.Users(ctx, datacenter, diskPath)
	if err != nil {
		return err
	}
	if len(users) > 0 {
		return fmt.Errorf("disk %s is attached to VM(s) %s: detach it first (remove the disk block, with keep_on_remove = true) and run apply again", diskPath, strings.Join(users, ", "))
	}
	w, err := m.resolve(ctx, datacenter, diskPath)
	if err != nil {
		return err
	}
	return m.client.Pool.WithSession(ctx, func(ctx context.Context, s *esxi.Session) error {
		task, err := object.NewVirtualDiskManager(s.Client).DeleteVirtualDisk(ctx, w.path.String(), object.NewDatacenter(s.Client, w.dc.Ref))
		_, err = esxi.WaitTask(ctx, "delete disk "+w.path.String(), task, err)
		if esxi.KindOf(err) == esxi.KindNotFound {
			return nil
		}
		return err
	})
}
