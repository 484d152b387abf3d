package backup

import (
	"context"
	"fmt"

	"github.com/vmware/govmomi/vim25/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/esxi"
)

// Source is a complete backup resolved for a restore into a new VM.
type Source struct {
	Manifest *Manifest
	// VM describes the VM to make, as a template the vm package copies
	// disk by disk: the hardware recorded in the manifest (not the copied
	// .vmx), the disks backed by the backup's copies, the NICs without
	// their MAC addresses. It has no Ref: no such VM exists.
	VM esxi.VM
	// Used is the space each disk's copy takes, by device key in VM.Devices.
	Used map[int32]int64
	// Empty marks, by device key in VM.Devices, the disks the backup left
	// out (Manifest.Skipped): they have no file, and the restore creates
	// them empty with their recorded size.
	Empty map[int32]bool
}

// Source resolves a backup (id, folder or manifest path) for a restore.
// Only a complete backup is accepted. The VM's files default to the
// datastore the backed-up VM was on when it exists here, else to the
// backup's datastore.
func (m *Manager) Source(ctx context.Context, ref, datacenter string) (*Source, error) {
	man, err := m.Find(ctx, ref, datacenter)
	if err != nil {
		if IsNotFound(err) {
			return nil, &FieldError{Field: "backup", Summary: "Backup Not Found", Detail: err.Error(), Err: err}
		}
		return nil, err
	}
	if !man.Good() {
		why := man.Error
		if why == "" {
			why = "it did not finish"
		}
		return nil, &FieldError{Field: "backup", Summary: "Backup Not Complete", Err: ErrNotComplete,
			Detail: fmt.Sprintf("backup %s has status %q (%s); restore from a complete backup (the ceso_backups data source lists them with status = \"complete\").", man.ID, man.Status, why)}
	}
	dir, err := ParseLocation(man.Dir)
	if err != nil {
		return nil, err
	}
	snap, err := m.client.Inventory.Get(ctx)
	if err != nil {
		return nil, err
	}
	ds, err := snap.FindDatastore(dir.Datastore, datacenter)
	if err != nil {
		return nil, &FieldError{Field: "backup", Summary: "Backup Datastore Not Found", Detail: err.Error(), Err: err}
	}
	dc := ds.Datacenter
	home := ds.Name
	if orig, err := ParseLocation(man.VM.VMXPath); err == nil {
		if d, err := snap.FindDatastore(orig.Datastore, dc); err == nil && d.Accessible {
			home = d.Name
		}
	}
	info := man.VM
	v := esxi.VM{
		Name: info.Name, Datacenter: dc, GuestID: info.GuestID, GuestFullName: info.GuestFullName,
		Firmware: info.Firmware, HWVersion: info.HardwareVersion, CPUs: info.CPUs, CoresPerSocket: info.CoresPerSocket,
		MemoryMB: info.MemoryMB, CPUHotAdd: info.CPUHotAdd, MemoryHotAdd: info.MemoryHotAdd, Annotation: info.Annotation,
		VMXPath:     fmt.Sprintf("[%s] %s/%s.vmx", home, folderName(info.Name), folderName(info.Name)),
		ExtraConfig: map[string]string{},
		Devices:     devices(man, snap, dc),
	}
	used := map[int32]int64{}
	byFile := map[string]int64{}
	for _, d := range man.Disks {
		byFile[man.Dir+"/"+d.File] = d.SizeBytes
	}
	empty := map[int32]bool{}
	for _, d := range v.Devices {
		if disk, ok := d.(*types.VirtualDisk); ok {
			if b, ok := disk.Backing.(*types.VirtualDiskFlatVer2BackingInfo); ok {
				if b.FileName == "" {
					empty[disk.Key] = true
					continue
				}
				used[disk.Key] = byFile[b.FileName]
			}
		}
	}
	return &Source{Manifest: man, VM: v, Used: used, Empty: empty}, nil
}
