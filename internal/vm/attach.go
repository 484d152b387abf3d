package vm

import (
	"context"
	"errors"
	"fmt"
	"path"
	"strings"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/esxi"
	"github.com/esxi-commander/terraform-provider-ceso/internal/virtualdisk"
)

// Attached disks: an existing VMDK (a ceso_virtual_disk, a disk another
// tool made) that a VM uses without owning it. Whether a disk is attached
// is read from where it lives, not from a record ceso keeps: a disk outside
// the VM's folder is attached. So an import sees the same thing as the
// apply that attached it, and a disk someone attached by hand is never
// deleted either. A real host's Destroy_Task deletes every disk the VM has,
// wherever it lives, so ceso detaches these first; removing one's block
// detaches it too (no fileOperation destroy).

// outsideFolder reports whether file lies outside the VM's folder (named
// vmDir on any datastore, as the host names the folders of a VM's disks):
// such a disk is attached, not owned. Without a known folder nothing is.
func outsideFolder(vmDir, file string) bool {
	if vmDir == "" {
		return false
	}
	_, dir := datastoreDir(file)
	return dir != vmDir
}

// attachErrs checks an entry's attach and path against each other and
// against the attributes an attached disk takes from the disk itself.
func attachErrs(i int, d Disk) []*FieldError {
	if !d.Attach {
		return []*FieldError{listErr("disk", i, "path", "Path Needs attach",
			"path names an existing disk to attach; set attach = true with it, or remove path (a new disk's path is chosen by the host).")}
	}
	var out []*FieldError
	var p object.DatastorePath
	switch {
	case d.Path == "":
		out = append(out, listErr("disk", i, "path", "Missing Disk Path", "attach = true needs path, the existing disk's datastore path: \"[datastore] folder/name.vmdk\"."))
	case !p.FromString(d.Path) || p.Datastore == "" || !strings.HasSuffix(p.Path, ".vmdk") || strings.HasSuffix(p.Path, "-flat.vmdk"):
		out = append(out, listErr("disk", i, "path", "Invalid Disk Path", "%q is not a disk descriptor path; write \"[datastore] folder/name.vmdk\".", d.Path))
	}
	for _, f := range []struct {
		set  bool
		name string
	}{{d.SizeGiB != 0, "size_gb"}, {d.Provisioning != "", "provisioning"}, {d.Datastore != "", "datastore"}, {d.KeepOnRemove, "keep_on_remove"}} {
		if f.set {
			out = append(out, listErr("disk", i, f.name, "Not Settable With attach",
				"%s is the attached disk's own (read from %s); remove %s from the block. An attached disk is never deleted, so keep_on_remove is not needed either.", f.name, orDefault(d.Path, "the disk"), f.name))
		}
	}
	return out
}

// attachTarget is an existing disk an entry attaches, as read at plan.
type attachTarget struct {
	ds         esxi.Datastore
	capacityKB int64
}

// checkAttach looks up every disk the spec attaches that the VM does not
// have yet: it must exist and be a VMDK, lie outside the VM's folder
// (vmDir, or the VM's name for a VM not made yet: the folder the host will
// make), and no other VM may have it. self is the VM (nil at create).
func (m *Manager) checkAttach(ctx context.Context, snap *esxi.Snapshot, s *Spec, self *esxi.VM, dc string) (map[string]attachTarget, error) {
	out := map[string]attachTarget{}
	vmDir := s.Name
	if self != nil {
		_, vmDir = datastoreDir(self.VMXPath)
	}
	var errs []error
	for i, d := range s.Disks {
		if !d.Attach || d.Path == "" || d.Arriving {
			continue
		}
		if self != nil && hasDisk(self, d.Path) {
			continue
		}
		if _, dir := datastoreDir(d.Path); vmDir != "" && dir == vmDir {
			errs = append(errs, listErr("disk", i, "path", "Disk Inside The VM's Folder",
				"%s lies in the VM's own folder %q, which deleting the VM removes with everything in it. Keep attached disks in a folder of their own.", d.Path, vmDir))
			continue
		}
		if users := diskUsers(snap, d.Path, self, s.Replaces); len(users) > 0 {
			errs = append(errs, listErr("disk", i, "path", "Disk Attached To Another VM",
				"%s is attached to VM %s; a disk is attached to one VM at a time. Remove it from that VM first.", d.Path, strings.Join(users, ", ")))
			continue
		}
		got, err := virtualdisk.New(m.client).Read(ctx, dc, d.Path)
		if err != nil {
			if fe, ok := virtualdisk.AsFieldError(err); ok {
				errs = append(errs, listErr("disk", i, "path", fe.Summary, "%s", fe.Detail))
				continue
			}
			if virtualdisk.IsNotFound(err) {
				errs = append(errs, listErr("disk", i, "path", "Disk Not Found", "%s does not exist; create it first (for example with ceso_virtual_disk) or correct the path.", d.Path))
				continue
			}
			var ee *esxi.Error
			if errors.As(err, &ee) {
				return nil, err
			}
			errs = append(errs, listErr("disk", i, "path", "Not A Virtual Disk", "%s cannot be attached: %v.", d.Path, err))
			continue
		}
		var p object.DatastorePath
		p.FromString(d.Path)
		ds, err := snap.FindDatastore(p.Datastore, dc)
		if err != nil {
			e := lookupFieldErr("disk", "Datastore", err)
			e.Index, e.Sub = i, "path"
			errs = append(errs, e)
			continue
		}
		out[d.Path] = attachTarget{ds: ds, capacityKB: got.CapacityKB}
	}
	if len(errs) > 0 {
		return nil, joinErrs(errs)
	}
	return out, nil
}

// hasDisk reports whether v has the disk file p.
func hasDisk(v *esxi.VM, p string) bool {
	for _, d := range disks(v.Devices) {
		if SamePath(d.file, p) {
			return true
		}
	}
	return false
}

// diskUsers names the VMs other than self that have the disk file p; the
// VM a replacement deletes first (UUID replaces) does not count: it
// detaches its attached disks before it goes.
func diskUsers(snap *esxi.Snapshot, p string, self *esxi.VM, replaces string) []string {
	var out []string
	for i := range snap.VMs {
		o := &snap.VMs[i]
		if (self != nil && o.Ref == self.Ref) || (replaces != "" && o.UUID == replaces) {
			continue
		}
		if hasDisk(o, p) {
			out = append(out, o.Name)
		}
	}
	return out
}

// SamePath compares datastore paths, ignoring the space after the
// bracket and doubled slashes that hosts and users write differently.
func SamePath(a, b string) bool {
	var pa, pb object.DatastorePath
	if !pa.FromString(a) || !pb.FromString(b) {
		return a == b
	}
	return pa.Datastore == pb.Datastore && path.Clean(pa.Path) == path.Clean(pb.Path)
}

// attachMismatch refuses an entry whose attach does not fit the disk it
// names: an attach entry on a slot holding another disk, or a plain entry
// for a disk outside the VM's folder (attached: ceso would never delete
// it, so the entry must say so). A copied template disk is the VM's own.
func attachMismatch(i int, d Disk, have diskInfo, vmDir string, pending bool) *FieldError {
	switch {
	case d.Attach && !SamePath(have.file, d.Path):
		return listErr("disk", i, "unit_number", "Unit Not Available",
			"%s bus %d unit %d holds %s; attach %s at a free unit, or remove unit_number.", have.slot.family, have.slot.bus, have.slot.unit, have.file, d.Path)
	case !d.Attach && !pending && outsideFolder(vmDir, have.file):
		return listErr("disk", i, "attach", "Disk Is Attached",
			"%s lies outside the VM's folder %q, so it is an attached disk: ceso detaches it and never deletes it. Set attach = true and path = %q on this block (and remove size_gb, provisioning and datastore).",
			have.file, vmDir, have.file)
	}
	return nil
}

// attachDisk adds the existing disk d names at sl, with no file operation:
// the host opens the file, it makes none.
func (pl *planner) attachDisk(p *plan, ctrls controllers, sl slot, i int, d Disk) *FieldError {
	t, ok := pl.attach[d.Path]
	if !ok && d.Arriving {
		p.changed(fmt.Sprintf("disk[%d]", i), false) // a plan only: the apply looks it up
		return nil
	}
	if !ok {
		return listErr("disk", i, "path", "Disk Not Checked", "%s was not looked up before planning; run the plan again.", d.Path)
	}
	if err := pl.checkUnit(ctrls, sl); err != nil {
		return listErr("disk", i, "unit_number", "Unit Not Available", "%v", err)
	}
	ctrlKey, err := pl.controllerFor(p, ctrls, sl)
	if err != nil {
		return listErr("disk", i, "controller_type", "Cannot add the controller", "%v", err)
	}
	if sl.family == ControllerIDE && pl.poweredOn() {
		p.cold = append(p.cold, fmt.Sprintf("disk[%d]", i))
	}
	ds := t.ds.Ref
	disk := &types.VirtualDisk{
		VirtualDevice: types.VirtualDevice{
			Key: p.key(), ControllerKey: ctrlKey, UnitNumber: types.NewInt32(sl.unit),
			Backing: &types.VirtualDiskFlatVer2BackingInfo{
				DiskMode:                     string(types.VirtualDiskModePersistent),
				VirtualDeviceFileBackingInfo: types.VirtualDeviceFileBackingInfo{FileName: d.Path, Datastore: &ds},
			},
		},
		CapacityInKB: t.capacityKB, CapacityInBytes: t.capacityKB * 1024,
	}
	p.spec.DeviceChange = append(p.spec.DeviceChange, &types.VirtualDeviceConfigSpec{
		Operation: types.VirtualDeviceConfigSpecOperationAdd, Device: disk})
	p.changed(fmt.Sprintf("disk[%d]", i), false)
	return nil
}

// detachAttached removes the VM's attached disks (outside its folder) from
// it without touching their files, before the VM is destroyed.
func detachAttached(ctx context.Context, s *esxi.Session, v *esxi.VM, vmDir string, res *Result) error {
	var spec types.VirtualMachineConfigSpec
	var files []string
	for _, d := range disks(v.Devices) {
		if outsideFolder(vmDir, d.file) {
			spec.DeviceChange = append(spec.DeviceChange, &types.VirtualDeviceConfigSpec{
				Operation: types.VirtualDeviceConfigSpecOperationRemove, Device: d.dev})
			files = append(files, d.file)
		}
	}
	if len(files) == 0 {
		return nil
	}
	if err := reconfigure(ctx, s, v, spec); err != nil {
		return fmt.Errorf("detach the attached disks %s before deleting the VM (deleting it would delete them): %w", strings.Join(files, ", "), err)
	}
	if res != nil {
		res.DetachedDisks = append(res.DetachedDisks, files...)
	}
	return nil
}

// attachView is the read checkAttach takes its VMs from: every VM (through
// read, the shared read at plan, a fresh one at apply) when the spec
// attaches an existing disk, so the check can name a VM that already has
// it; else infra, which has none, and a create that attaches nothing
// reads no VM for this.
func (m *Manager) attachView(ctx context.Context, infra *esxi.Snapshot, s *Spec, read func(context.Context) (*esxi.Snapshot, error)) (*esxi.Snapshot, error) {
	for _, d := range s.Disks {
		if d.Attach && d.Path != "" && !d.Arriving {
			return read(ctx)
		}
	}
	return infra, nil
}
