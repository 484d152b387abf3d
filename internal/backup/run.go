package backup

import (
	"context"
	"errors"
	"fmt"
	"path"
	"strings"
	"time"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/esxi"
)

// run is one backup attempt.
type run struct {
	m     *Manager
	spec  Spec
	snap  *esxi.Snapshot
	vm    esxi.VM
	dest  Location
	ds    esxi.Datastore
	dc    esxi.Datacenter
	res   *Result
	start time.Time
	st    *store

	id       string
	dir      Location
	made     bool                          // the backup folder exists
	snapshot *types.ManagedObjectReference // ceso's snapshot while it exists
	manifest *Manifest
	skew     time.Duration    // the host's clock minus the local one
	beat     *beat            // renews the lease while the folder exists
	configs  []string         // names of the configuration files copied
	srcSize  map[string]int64 // their sizes at the source just before the copy (with Verify)
}

func (r *run) step(name string) error {
	if r.m.hook != nil {
		return r.m.hook(name)
	}
	return nil
}

// layout is what the backup reads of the VM beyond the inventory.
type layout struct {
	devices   []types.BaseVirtualDevice
	vmx       string
	files     []types.VirtualMachineFileLayoutExFileInfo
	layoutEx  *types.VirtualMachineFileLayoutEx
	snapshots []types.VirtualMachineSnapshotTree // flattened
	tools     string
	power     string
}

func (r *run) readVM(ctx context.Context, s *esxi.Session) (*layout, error) {
	var o mo.VirtualMachine
	props := []string{"snapshot", "layoutEx", "config.files", "config.hardware.device", "guest.toolsRunningStatus", "runtime.powerState"}
	if err := object.NewVirtualMachine(s.Client, r.vm.Ref).Properties(ctx, r.vm.Ref, props, &o); err != nil {
		if esxi.KindOf(esxi.Wrap("", err)) == esxi.KindNotFound {
			return nil, vmErr(r.spec.VM, &esxi.LookupError{What: "VM", By: "uuid", Value: r.spec.VM})
		}
		return nil, esxi.Wrap("read VM "+r.vm.Name, err)
	}
	l := &layout{power: string(o.Runtime.PowerState)}
	if o.Config != nil {
		l.devices, l.vmx = o.Config.Hardware.Device, o.Config.Files.VmPathName
	}
	if o.LayoutEx != nil {
		l.files, l.layoutEx = o.LayoutEx.File, o.LayoutEx
	}
	if o.Guest != nil {
		l.tools = o.Guest.ToolsRunningStatus
	}
	if o.Snapshot != nil {
		var walk func([]types.VirtualMachineSnapshotTree)
		walk = func(ts []types.VirtualMachineSnapshotTree) {
			for _, t := range ts {
				l.snapshots = append(l.snapshots, t)
				walk(t.ChildSnapshotList)
			}
		}
		walk(o.Snapshot.RootSnapshotList)
	}
	return l, nil
}

// used is the space a disk's files take (every file of its chain).
func (l *layout) used(key int32) int64 { return esxi.ChainSize(l.layoutEx, key) }

// configFiles are the .vmx and .nvram to copy, with their sizes.
func (l *layout) configFiles() []types.VirtualMachineFileLayoutExFileInfo {
	var out []types.VirtualMachineFileLayoutExFileInfo
	seen := false
	for _, f := range l.files {
		switch f.Type {
		case string(types.VirtualMachineFileLayoutExFileTypeConfig):
			if strings.HasSuffix(f.Name, ".vmx") {
				out = append(out, f)
				seen = true
			}
		case string(types.VirtualMachineFileLayoutExFileTypeNvram):
			out = append(out, f)
		}
	}
	if !seen && l.vmx != "" {
		out = append([]types.VirtualMachineFileLayoutExFileInfo{{Name: l.vmx, Type: "config", Size: -1}}, out...)
	}
	return out
}

func (r *run) do(ctx context.Context, s *esxi.Session) error {
	r.st = newStore(s, r.dc, r.snap, &r.m.requests)
	l, err := r.readVM(ctx, s)
	if err != nil {
		return err
	}
	all, ctrls, nics := describe(l.devices, r.snap)
	disks, skip, leftovers, err := r.refuse(l, all)
	if err != nil {
		return err
	}
	// What is already there: earlier backups of this VM (for pruning) and
	// folders of interrupted ones.
	vmDir := r.dest.Join(folderName(r.vm.Name))
	earlier, err := r.st.list(ctx, vmDir, false)
	if err != nil {
		return err
	}
	if dirs := r.wouldPrune(earlier); len(dirs) > 0 && r.spec.ConfirmPrune != nil {
		if err := r.spec.ConfirmPrune(ctx, dirs); err != nil {
			return err
		}
	}
	if err := r.readClock(ctx, s); err != nil {
		return err
	}
	if err := r.checkLeftovers(ctx, s, leftovers, earlier); err != nil {
		return err
	}
	if err := r.cleanLeftovers(ctx, s, leftovers, earlier); err != nil {
		return err
	}

	r.id = NewID(r.start)
	r.dir = backupDir(r.dest, r.vm.Name, r.id)
	r.manifest = r.newManifest(l, disks, ctrls, nics)
	r.manifest.Skipped = skip
	r.res.Warnings = append(r.res.Warnings, skipWarnings(r.vm.Name, skip)...)
	if err := r.st.mkdir(ctx, r.dir); err != nil {
		return err
	}
	r.made = true
	// The lease before the snapshot: whoever finds the snapshot finds the
	// lease through it.
	if err := r.writeLease(ctx, r.st); err != nil {
		return r.fail(ctx, s, err)
	}
	r.beat = r.renewLease(ctx, s)
	defer r.beat.stop()
	if err := r.copyAll(ctx, s, l, disks); err != nil {
		return r.fail(ctx, s, err)
	}
	if err := r.finish(ctx); err != nil {
		return r.fail(ctx, s, err)
	}
	// With the manifest written the folder is a complete backup, which no
	// cleanup touches: the lease can go.
	r.beat.stop()
	if err := r.st.remove(ctx, r.dir.Join(LeaseName)); err != nil {
		r.res.Warnings = append(r.res.Warnings, fmt.Sprintf("removing the lease file %s failed (%v); it is harmless", r.dir.Join(LeaseName), err))
	}
	r.res.Manifest = r.manifest
	r.prune(ctx, earlier)
	return nil
}

// refuse checks everything that can be checked before a change and
// returns ceso's leftover snapshots of interrupted backups.
func (r *run) refuse(l *layout, all []srcDisk) (disks []srcDisk, skip []SkippedDisk, leftovers []types.VirtualMachineSnapshotTree, err error) {
	keep, skip, errs := r.selectDisks(all)
	disks = keep
	var own []string
	for _, t := range l.snapshots {
		if strings.HasPrefix(t.Name, SnapshotPrefix) {
			leftovers = append(leftovers, t)
		} else {
			own = append(own, fmt.Sprintf("%q", t.Name))
		}
	}
	if len(own) > 0 && !r.spec.AllowExistingSnapshots {
		errs = append(errs, &FieldError{Field: "allow_existing_snapshots", Summary: "VM Has Snapshots", Err: ErrExistingSnapshots,
			Detail: fmt.Sprintf("VM %s has snapshots (%s). A backup copies the VM's disks as they are now, with their snapshot chain consolidated; "+
				"the snapshots themselves are not kept. Remove the snapshots, or set allow_existing_snapshots = true to back up the current state anyway.",
				r.vm.Name, strings.Join(own, ", "))})
	}
	if len(errs) > 0 {
		return nil, nil, nil, errors.Join(errs...)
	}
	// Room on the destination for the copies: thin copies take what the
	// disks use now, thick ones their full size.
	var need int64
	for _, d := range disks {
		n := d.info.CapacityBytes
		if r.spec.DiskFormat == FormatThin {
			if u := l.used(d.dev.Key); u > 0 {
				n = min(u, n)
			}
		}
		need += n
	}
	for _, f := range l.configFiles() {
		need += max(f.Size, 0)
	}
	if need > r.ds.FreeSpace {
		hint := "Free space on it or choose another destination"
		if r.spec.DiskFormat != FormatThin {
			hint += ", or use disk_format = \"thin\""
		}
		return nil, nil, nil, &FieldError{Field: "destination", Summary: "Destination Datastore Full",
			Detail: fmt.Sprintf("datastore %s has %s free, but the %s copies of VM %s's disks need %s. %s.",
				r.ds.Name, human(r.ds.FreeSpace), r.spec.DiskFormat, r.vm.Name, human(need), hint),
			Err: &esxi.Error{Op: "check free space on " + r.ds.Name, Kind: esxi.KindNoDiskSpace, Hint: "Free space or choose another destination", Err: errors.New("not enough free space")}}
	}
	return disks, skip, leftovers, nil
}

func human(b int64) string {
	const gib = 1 << 30
	if b >= gib || b <= -gib {
		return fmt.Sprintf("%.1f GiB", float64(b)/gib)
	}
	return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20))
}

func (r *run) newManifest(l *layout, disks []srcDisk, ctrls []Controller, nics []NIC) *Manifest {
	f := r.m.client.Facts()
	v := r.vm
	ret := r.spec.retention()
	m := &Manifest{
		Format: FormatVersion, ID: r.id, Started: r.start.UTC(), CesoVersion: r.m.version,
		Destination: r.dest.String(), Dir: r.dir.String(),
		Options: Options{Quiesce: r.spec.Quiesce, DiskFormat: r.spec.DiskFormat, Verify: r.spec.Verify, Keep: ret.Last,
			KeepDaily: ret.Daily, KeepWeekly: ret.Weekly, KeepMonthly: ret.Monthly, AllowExistingSnapshots: r.spec.AllowExistingSnapshots, Triggers: r.spec.Triggers,
			ExcludeDisks: r.spec.ExcludeDisks, SkipIndependentDisks: r.spec.SkipIndependentDisks},
		Source: Origin{Product: f.Product, Version: f.Version, Build: f.Build, Host: v.Host, Datacenter: v.Datacenter},
		VM: VMInfo{Name: v.Name, UUID: v.UUID, BIOSUUID: v.BIOSUUID, MOID: v.Ref.Value, Path: v.Path, VMXPath: l.vmx,
			PowerState: l.power, GuestID: v.GuestID, GuestFullName: v.GuestFullName, Firmware: v.Firmware, HardwareVersion: v.HWVersion,
			CPUs: v.CPUs, CoresPerSocket: v.CoresPerSocket, MemoryMB: v.MemoryMB, CPUHotAdd: v.CPUHotAdd, MemoryHotAdd: v.MemoryHotAdd,
			Annotation: v.Annotation, Controllers: ctrls, NICs: nics},
	}
	names := map[string]bool{}
	for i, d := range disks {
		base := strings.TrimSuffix(path.Base(d.file[strings.Index(d.file, "]")+1:]), ".vmdk")
		name := base + ".vmdk"
		for n := 1; names[name]; n++ {
			name = fmt.Sprintf("%s_%d.vmdk", base, n)
		}
		names[name] = true
		disks[i].info.File, disks[i].info.Format = name, r.spec.DiskFormat
		m.Disks = append(m.Disks, disks[i].info)
	}
	return m
}

// copyAll copies the configuration files, snapshots the VM, copies the
// disks and removes the snapshot.
func (r *run) copyAll(ctx context.Context, s *esxi.Session, l *layout, disks []srcDisk) error {
	// The .vmx is copied before the snapshot, while it still names the
	// base disks the copies are made of.
	configs := l.configFiles()
	if r.spec.Verify && len(configs) > 0 {
		if err := r.sourceSizes(ctx, configs); err != nil {
			return err
		}
	}
	for _, f := range configs {
		if err := r.st.copyFile(ctx, f.Name, r.dir.Join(path.Base(f.Name))); err != nil {
			if f.Type == string(types.VirtualMachineFileLayoutExFileTypeNvram) && esxi.KindOf(err) == esxi.KindNotFound {
				continue // a VM that never ran may have no NVRAM yet
			}
			return err
		}
		r.configs = append(r.configs, path.Base(f.Name))
	}
	if err := r.step("config-copied"); err != nil {
		return err
	}
	if !r.vm.Template { // a vCenter template cannot run, so its disks are not locked
		if err := r.snapshotVM(ctx, s, l); err != nil {
			return err
		}
	}
	if err := r.step("snapshot-taken"); err != nil {
		return err
	}
	for i, d := range disks {
		if err := r.st.copyDisk(ctx, d.file, r.dir.Join(r.manifest.Disks[i].File), r.spec.DiskFormat, d.info.Controller); err != nil {
			return err
		}
		if err := r.step(fmt.Sprintf("disk-copied-%d", i)); err != nil {
			return err
		}
	}
	if r.snapshot != nil {
		if err := esxi.RemoveSnapshot(ctx, s, r.vm.Ref, *r.snapshot, "ceso's backup snapshot of VM "+r.vm.Name); err != nil {
			return err
		}
		r.snapshot = nil
	}
	return r.step("snapshot-removed")
}

func (r *run) snapshotVM(ctx context.Context, s *esxi.Session, l *layout) error {
	quiesce := r.spec.Quiesce && l.tools == string(types.VirtualMachineToolsRunningStatusGuestToolsRunning)
	if r.spec.Quiesce && !quiesce {
		r.res.Warnings = append(r.res.Warnings, fmt.Sprintf("VMware Tools do not run in VM %s, so its file systems were not quiesced: the backup is crash consistent, like a power cut.", r.vm.Name))
	}
	vmo := object.NewVirtualMachine(s.Client, r.vm.Ref)
	task, err := vmo.CreateSnapshot(ctx, SnapshotPrefix+r.id,
		"ceso backup "+r.id+" to "+r.dest.String()+"; removed when the copy is done", false, quiesce)
	info, err := esxi.WaitOrCancel(ctx, "snapshot VM "+r.vm.Name, task, err)
	if info != nil {
		if ref, ok := info.Result.(types.ManagedObjectReference); ok {
			r.snapshot = &ref
		}
	}
	if err != nil {
		if r.snapshot == nil {
			// The task failed, but it may have made the snapshot anyway
			// (a timeout): find it by its name.
			r.snapshot = r.findSnapshot(context.WithoutCancel(ctx), s)
		}
		return err
	}
	r.manifest.Quiesced = quiesce
	return nil
}
