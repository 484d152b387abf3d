package vm

import (
	"context"
	"errors"
	"fmt"
	"path"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/esxi"
)

// copyJob is one template disk to copy (standalone host) or relocate (vCenter).
type copyJob struct {
	src    diskInfo
	decl   int // index in Spec.Disks, -1 when the spec does not list it
	slot   slot
	ds     esxi.Datastore
	prov   string
	sizeKB int64
	dst    string
	// empty: a disk the backup left out; the restore creates it, empty,
	// with its recorded size, instead of copying it.
	empty bool
}

// planCopies decides where and how each template disk goes.
func (c *creation) planCopies(snap *esxi.Snapshot, layout *sourceLayout) ([]*copyJob, error) {
	src := disks(c.tmpl.Devices)
	slots := resolveUnits(c.spec.Disks, src, true)
	var jobs []*copyJob
	var errs []error
	for _, d := range src {
		j := &copyJob{src: d, decl: -1, slot: d.slot, ds: c.pl.datastore, prov: d.provisioning(), sizeKB: d.capacityKB}
		for i, sl := range slots {
			if sl != d.slot {
				continue
			}
			dd := c.spec.Disks[i]
			j.decl = i
			if dd.Provisioning != "" {
				j.prov = dd.Provisioning
			}
			if want := dd.SizeGiB * 1024 * 1024; want > j.sizeKB {
				j.sizeKB = want
			}
			if dd.Datastore != "" {
				ds, err := snap.FindDatastore(dd.Datastore, c.pl.dc.Name)
				if err != nil {
					e := lookupFieldErr("disk", "Datastore", err)
					e.Index, e.Sub = i, "datastore"
					errs = append(errs, e)
					continue
				}
				j.ds = ds
			}
		}
		if d.file == "" && c.restore != nil && c.restore.Empty[d.dev.Key] {
			j.empty = true
		} else if d.file == "" {
			errs = append(errs, fieldErr("template", "Template disk unreadable", "disk %s of template %s has no file backing ceso can copy (raw device mapping?).", d.label, c.tmpl.Name))
			continue
		}
		jobs = append(jobs, j)
	}
	if len(errs) > 0 {
		return nil, joinErrs(errs)
	}
	return jobs, nil
}

// copyDisks copies the template's disks into the new VM's folder
// (snapshotting a running source first) and returns the disk devices to
// attach.
func (c *creation) copyDisks(ctx context.Context, v *esxi.VM, jobs []*copyJob) ([]types.BaseVirtualDevice, error) {
	_, dir := datastoreDir(v.VMXPath)
	if dir == "" {
		dir = c.spec.Name
	}
	base := path.Base(dir)
	ctrls, _ := indexControllers(v.Devices)
	var out []types.BaseVirtualDevice
	err := c.m.write(ctx, func(ctx context.Context, s *esxi.Session) (err error) {
		dc := object.NewDatacenter(s.Client, c.pl.dc.Ref)
		vdm := object.NewVirtualDiskManager(s.Client)
		if c.tmpl.PowerState == string(types.VirtualMachinePowerStatePoweredOn) {
			// A running VM's disks are locked: snapshot it, copy the base
			// disks (now read-only), and remove the snapshot whatever happens.
			src := object.NewVirtualMachine(s.Client, c.tmpl.Ref)
			task, terr := src.CreateSnapshot(ctx, "ceso-copy-"+c.id, "ceso copies the disks of this VM to "+c.spec.Name+"; removed when done", false, false)
			info, terr := esxi.WaitOrCancel(ctx, "snapshot the running source "+c.tmpl.Name, task, terr)
			if terr != nil {
				return terr
			}
			ref, _ := info.Result.(types.ManagedObjectReference)
			c.srcSnap = &ref
			defer func() {
				if rerr := esxi.RemoveSnapshot(context.WithoutCancel(ctx), s, c.tmpl.Ref, ref, "ceso's snapshot of "+c.tmpl.Name); rerr != nil {
					err = errors.Join(err, rerr)
				} else {
					c.srcSnap = nil
				}
			}()
		}
		made := map[string]bool{}
		key := int32(-500)
		for n, j := range jobs {
			name := base + ".vmdk"
			if n > 0 {
				name = fmt.Sprintf("%s_%d.vmdk", base, n)
			}
			j.dst = dsPath(j.ds.Name, dir+"/"+name)
			if j.ds.Name != c.pl.datastore.Name && !made[j.ds.Name] {
				if err := esxi.MakeDirectory(ctx, s, c.pl.dc.Ref, j.ds, dir); err != nil {
					return err
				}
				made[j.ds.Name] = true
				c.dirs[dsPath(j.ds.Name, dir)] = true
			}
			spec := &types.VirtualDiskSpec{DiskType: esxi.DiskType(j.prov), AdapterType: string(types.VirtualDiskAdapterTypeLsiLogic)}
			if j.slot.family == ControllerIDE {
				spec.AdapterType = string(types.VirtualDiskAdapterTypeIde)
			}
			if j.empty {
				task, err := vdm.CreateVirtualDisk(ctx, j.dst, dc, &types.FileBackedVirtualDiskSpec{VirtualDiskSpec: *spec, CapacityKb: j.sizeKB})
				c.copied = append(c.copied, j.dst)
				if _, err := esxi.WaitOrCancel(ctx, "create the empty disk "+j.dst+" for "+j.src.label+", which the backup left out", task, err); err != nil {
					return err
				}
			} else {
				task, err := vdm.CopyVirtualDisk(ctx, j.src.file, dc, j.dst, dc, spec, false)
				c.copied = append(c.copied, j.dst)
				if _, err := esxi.WaitOrCancel(ctx, "copy disk "+j.src.file+" to "+j.dst, task, err); err != nil {
					return err
				}
			}
			if !j.empty && j.sizeKB > j.src.capacityKB {
				task, err := vdm.ExtendVirtualDisk(ctx, j.dst, dc, j.sizeKB, types.NewBool(j.prov == ProvisionEagerZeroed))
				if _, err := esxi.WaitOrCancel(ctx, "grow disk "+j.dst, task, err); err != nil {
					return err
				}
			}
			ctrl, ok := ctrls[slot{family: j.slot.family, bus: j.slot.bus}]
			if !ok {
				return fmt.Errorf("the new VM has no %s controller %d for %s", j.slot.family, j.slot.bus, j.dst)
			}
			key--
			mode := string(types.VirtualDiskModePersistent)
			if b, ok := j.src.dev.Backing.(*types.VirtualDiskFlatVer2BackingInfo); ok && b.DiskMode != "" {
				mode = b.DiskMode
			}
			out = append(out, &types.VirtualDisk{
				VirtualDevice: types.VirtualDevice{
					Key: key, ControllerKey: ctrl.GetVirtualDevice().Key, UnitNumber: types.NewInt32(j.slot.unit),
					Backing: &types.VirtualDiskFlatVer2BackingInfo{
						DiskMode: mode, ThinProvisioned: types.NewBool(j.prov == ProvisionThin), EagerlyScrub: types.NewBool(j.prov == ProvisionEagerZeroed),
						VirtualDeviceFileBackingInfo: types.VirtualDeviceFileBackingInfo{FileName: j.dst, Datastore: &j.ds.Ref},
					},
				},
				CapacityInKB: j.sizeKB, CapacityInBytes: j.sizeKB * 1024,
			})
		}
		return nil
	})
	return out, err
}
