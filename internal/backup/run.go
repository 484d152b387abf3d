package backup

import (
	"context"
	"errors"
	"fmt"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
	"github.com/vmware/govmomi/vmdk"

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
	disks     []types.VirtualMachineFileLayoutExDiskLayout
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
		l.files, l.disks = o.LayoutEx.File, o.LayoutEx.Disk
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
func (l *layout) used(key int32) int64 {
	size := map[int32]int64{}
	for _, f := range l.files {
		size[f.Key] = f.Size
	}
	var n int64
	for _, d := range l.disks {
		if d.Key != key {
			continue
		}
		for _, u := range d.Chain {
			for _, k := range u.FileKey {
				n += size[k]
			}
		}
	}
	return n
}

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
	disks, ctrls, nics := describe(l.devices, r.snap)
	leftovers, err := r.refuse(l, disks)
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
	if err := r.cleanLeftovers(ctx, s, leftovers, earlier); err != nil {
		return err
	}

	r.id = NewID(r.start)
	r.dir = backupDir(r.dest, r.vm.Name, r.id)
	r.manifest = r.newManifest(l, disks, ctrls, nics)
	if err := r.st.mkdir(ctx, r.dir); err != nil {
		return err
	}
	r.made = true
	if err := r.copyAll(ctx, s, l, disks); err != nil {
		return r.fail(ctx, s, err)
	}
	if err := r.finish(ctx); err != nil {
		return r.fail(ctx, s, err)
	}
	r.res.Manifest = r.manifest
	r.prune(ctx, earlier)
	return nil
}

// refuse checks everything that can be checked before a change and
// returns ceso's leftover snapshots of interrupted backups.
func (r *run) refuse(l *layout, disks []srcDisk) ([]types.VirtualMachineSnapshotTree, error) {
	var errs []error
	var indep, odd []string
	for _, d := range disks {
		switch {
		case d.extern || d.file == "":
			odd = append(odd, d.info.Label+" (no file backing)")
		case d.rdm:
			odd = append(odd, d.info.Label+" (raw device mapping "+d.file+")")
		case independent(d.info.DiskMode):
			indep = append(indep, fmt.Sprintf("%s (%s, %s)", d.info.Label, d.file, d.info.DiskMode))
		}
	}
	if len(indep) > 0 {
		errs = append(errs, &FieldError{Field: "vm", Summary: "Independent Disks Cannot Be Backed Up", Err: ErrIndependentDisks,
			Detail: fmt.Sprintf("VM %s has disks in an independent mode: %s. A snapshot does not cover independent disks, so ceso cannot copy them while the VM runs. "+
				"Switch the disks to the dependent (persistent) mode with the VM powered off, or back them up another way.", r.vm.Name, strings.Join(indep, ", "))})
	}
	if len(odd) > 0 {
		errs = append(errs, fieldErr("vm", "Disks Cannot Be Copied",
			"VM %s has disks ceso cannot copy: %s. Remove them from the VM or back it up another way.", r.vm.Name, strings.Join(odd, ", ")))
	}
	var leftovers []types.VirtualMachineSnapshotTree
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
		return nil, errors.Join(errs...)
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
		return nil, &FieldError{Field: "destination", Summary: "Destination Datastore Full",
			Detail: fmt.Sprintf("datastore %s has %s free, but the %s copies of VM %s's disks need %s. %s.",
				r.ds.Name, human(r.ds.FreeSpace), r.spec.DiskFormat, r.vm.Name, human(need), hint),
			Err: &esxi.Error{Op: "check free space on " + r.ds.Name, Kind: esxi.KindNoDiskSpace, Hint: "Free space or choose another destination", Err: errors.New("not enough free space")}}
	}
	return leftovers, nil
}

func human(b int64) string {
	const gib = 1 << 30
	if b >= gib || b <= -gib {
		return fmt.Sprintf("%.1f GiB", float64(b)/gib)
	}
	return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20))
}

// cleanLeftovers removes what interrupted backups of this VM left: ceso's
// snapshots, and folders without a manifest under the VM's folder.
func (r *run) cleanLeftovers(ctx context.Context, s *esxi.Session, snaps []types.VirtualMachineSnapshotTree, earlier []Entry) error {
	for _, t := range snaps {
		what := fmt.Sprintf("ceso's snapshot %s of VM %s, left by an interrupted backup", t.Name, r.vm.Name)
		if err := removeSnapshot(ctx, s, t.Snapshot, what); err != nil {
			return err
		}
		r.res.CleanedUp = append(r.res.CleanedUp, "snapshot "+t.Name+" of VM "+r.vm.Name)
	}
	for _, e := range earlier {
		if e.Status != StatusIncomplete {
			continue
		}
		dir, _ := ParseLocation(e.Dir)
		if err := r.st.remove(ctx, dir); err != nil {
			return fmt.Errorf("remove the folder %s an interrupted backup left: %w", e.Dir, err)
		}
		r.res.CleanedUp = append(r.res.CleanedUp, "folder "+e.Dir)
	}
	return nil
}

func (r *run) newManifest(l *layout, disks []srcDisk, ctrls []Controller, nics []NIC) *Manifest {
	f := r.m.client.Facts()
	v := r.vm
	m := &Manifest{
		Format: FormatVersion, ID: r.id, Started: r.start.UTC(), CesoVersion: r.m.version,
		Destination: r.dest.String(), Dir: r.dir.String(),
		Options: Options{Quiesce: r.spec.Quiesce, DiskFormat: r.spec.DiskFormat, Verify: r.spec.Verify, Keep: r.spec.Keep,
			AllowExistingSnapshots: r.spec.AllowExistingSnapshots, Triggers: r.spec.Triggers},
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
		if err := removeSnapshot(ctx, s, *r.snapshot, "ceso's backup snapshot of VM "+r.vm.Name); err != nil {
			return err
		}
		r.snapshot = nil
	}
	return r.step("snapshot-removed")
}

// sourceSizes lists the configuration files at the source just before
// they are copied, for the verification to compare with.
func (r *run) sourceSizes(ctx context.Context, configs []types.VirtualMachineFileLayoutExFileInfo) error {
	r.srcSize = map[string]int64{}
	byDir := map[Location][]string{}
	for _, f := range configs {
		l, err := ParseLocation(f.Name)
		if err != nil {
			continue
		}
		byDir[l.Parent()] = append(byDir[l.Parent()], l.Base())
	}
	for dir, names := range byDir {
		found, err := r.st.search(ctx, dir, false, names...)
		if err != nil {
			return err
		}
		for _, e := range found {
			r.srcSize[e.name] = e.size
		}
	}
	return nil
}

func (r *run) snapshotVM(ctx context.Context, s *esxi.Session, l *layout) error {
	quiesce := r.spec.Quiesce && l.tools == string(types.VirtualMachineToolsRunningStatusGuestToolsRunning)
	if r.spec.Quiesce && !quiesce {
		r.res.Warnings = append(r.res.Warnings, fmt.Sprintf("VMware Tools do not run in VM %s, so its file systems were not quiesced: the backup is crash consistent, like a power cut.", r.vm.Name))
	}
	vmo := object.NewVirtualMachine(s.Client, r.vm.Ref)
	task, err := vmo.CreateSnapshot(ctx, SnapshotPrefix+r.id,
		"ceso backup "+r.id+" to "+r.dest.String()+"; removed when the copy is done", false, quiesce)
	info, err := waitOrCancel(ctx, "snapshot VM "+r.vm.Name, task, err)
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

func (r *run) findSnapshot(ctx context.Context, s *esxi.Session) *types.ManagedObjectReference {
	l, err := r.readVM(ctx, s)
	if err != nil {
		return nil
	}
	for _, t := range l.snapshots {
		if t.Name == SnapshotPrefix+r.id {
			ref := t.Snapshot
			return &ref
		}
	}
	return nil
}

// finish lists the copies, verifies them if asked and writes the manifest.
func (r *run) finish(ctx context.Context) error {
	found, err := r.st.search(ctx, r.dir, false)
	if err != nil {
		return err
	}
	have := map[string]entry{}
	for _, e := range found {
		if !e.folder && e.name != ManifestName {
			have[e.name] = e
		}
	}
	diskOf := map[string]int{} // file name -> disk index
	for i, d := range r.manifest.Disks {
		diskOf[d.File] = i
	}
	names := make([]string, 0, len(have))
	for n := range have {
		names = append(names, n)
	}
	sort.Strings(names)
	var problems []string
	for _, n := range names {
		e := have[n]
		f := File{Name: n, Size: e.size, Kind: "other"}
		switch {
		case strings.HasSuffix(n, ".vmx"):
			f.Kind = "config"
		case strings.HasSuffix(n, ".nvram"):
			f.Kind = "nvram"
		case strings.HasSuffix(n, ".vmdk"):
			f.Kind = "disk-extent"
			if _, ok := diskOf[n]; ok {
				f.Kind = "disk"
			}
		}
		if i, ok := diskOf[n]; ok {
			r.manifest.Disks[i].SizeBytes += e.size
		} else if i, ok := extentOf(n, r.manifest.Disks); ok {
			r.manifest.Disks[i].SizeBytes += e.size
		}
		if r.spec.Verify {
			if want, ok := r.srcSize[n]; ok && want != e.size {
				problems = append(problems, fmt.Sprintf("%s has %d bytes, its source %d", n, e.size, want))
			}
			if f.Kind != "disk-extent" && f.Kind != "other" && e.size <= maxSmallFile {
				b, err := r.st.download(ctx, r.dir.Join(n))
				if err != nil {
					return fmt.Errorf("verify %s: %w", r.dir.Join(n), err)
				}
				f.SHA256 = sum(b)
				if i, ok := diskOf[n]; ok {
					problems = append(problems, checkDescriptor(b, r.manifest.Disks[i], have)...)
				}
			}
		}
		r.manifest.Files = append(r.manifest.Files, f)
		r.manifest.SizeBytes += e.size
	}
	for _, d := range r.manifest.Disks {
		if _, ok := have[d.File]; !ok {
			problems = append(problems, "the copy of "+d.Source+" ("+d.File+") is missing")
		}
	}
	for _, n := range r.configs {
		if _, ok := have[n]; !ok {
			problems = append(problems, "the copy of "+n+" is missing")
		}
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		return fmt.Errorf("the copies in %s failed verification: %s", r.dir, strings.Join(problems, "; "))
	}
	r.manifest.Verified = r.spec.Verify
	if err := r.step("verified"); err != nil {
		return err
	}
	r.manifest.Status = StatusComplete
	r.manifest.Finished = r.m.now().UTC()
	b, err := r.manifest.encode()
	if err != nil {
		return err
	}
	return r.st.upload(ctx, r.dir.Join(ManifestName), b)
}

// extentOf finds the disk an extent file ("web-flat.vmdk") belongs to.
func extentOf(name string, disks []Disk) (int, bool) {
	for i, d := range disks {
		base := strings.TrimSuffix(d.File, ".vmdk")
		if strings.HasPrefix(name, base+"-") && strings.HasSuffix(name, ".vmdk") {
			return i, true
		}
	}
	return 0, false
}

// checkDescriptor checks a copied disk's descriptor: it parses, its
// capacity is the source disk's, and its extents are there.
func checkDescriptor(b []byte, d Disk, have map[string]entry) []string {
	desc, err := vmdk.ParseDescriptor(strings.NewReader(string(b)))
	if err != nil {
		return []string{fmt.Sprintf("the descriptor %s does not parse: %v", d.File, err)}
	}
	var out []string
	if c := desc.Capacity(); c != d.CapacityBytes {
		out = append(out, fmt.Sprintf("the copy %s has a capacity of %d bytes, its source %d", d.File, c, d.CapacityBytes))
	}
	named := true
	for _, x := range desc.Extent {
		if _, ok := have[path.Base(x.Info)]; x.Info != "" && !ok {
			named = false
		}
	}
	if _, flat := have[strings.TrimSuffix(d.File, ".vmdk")+"-flat.vmdk"]; !named && !flat {
		out = append(out, "the data file of "+d.File+" is missing")
	}
	return out
}

// fail cleans up after a failed attempt: the snapshot goes, the partial
// copies go, and a manifest with status failed records the error. A
// simulated crash (errAbandon) leaves everything as it is.
func (r *run) fail(ctx context.Context, s *esxi.Session, cause error) error {
	if errors.Is(cause, errAbandon) {
		return cause
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	var notes []string
	if r.snapshot != nil {
		if err := removeSnapshot(ctx, s, *r.snapshot, "ceso's backup snapshot of VM "+r.vm.Name); err != nil {
			notes = append(notes, fmt.Sprintf("removing the snapshot %s%s failed too (%v): the next backup of this VM removes it", SnapshotPrefix, r.id, err))
		} else {
			r.snapshot = nil
		}
	}
	if r.made {
		r.manifest.Status, r.manifest.Error, r.manifest.Finished = StatusFailed, cause.Error(), r.m.now().UTC()
		r.manifest.Files, r.manifest.SizeBytes, r.manifest.Verified = nil, 0, false
		for i := range r.manifest.Disks {
			r.manifest.Disks[i].SizeBytes = 0
		}
		err := r.st.remove(ctx, r.dir)
		if err == nil {
			err = r.st.mkdir(ctx, r.dir)
		}
		if err == nil {
			var b []byte
			if b, err = r.manifest.encode(); err == nil {
				err = r.st.upload(ctx, r.dir.Join(ManifestName), b)
			}
		}
		if err != nil {
			notes = append(notes, fmt.Sprintf("cleaning up the partial backup folder %s failed too (%v): it has no manifest, is never listed as a good backup, and the next backup of this VM removes it", r.dir, err))
		} else {
			r.res.Manifest = r.manifest
			notes = append(notes, fmt.Sprintf("the partial copies were removed; %s records the failure", r.dir.Join(ManifestName)))
		}
	}
	msg := fmt.Sprintf("backup of VM %s failed: %%w", r.vm.Name)
	if len(notes) > 0 {
		msg += ". " + strings.Join(notes, "; ")
	}
	return fmt.Errorf(msg, cause)
}

// prune removes complete backups of this VM beyond Keep and its failed
// attempts. It runs only after a complete backup; a failure is a warning.
func (r *run) prune(ctx context.Context, earlier []Entry) {
	var complete []Entry
	for _, e := range earlier {
		if e.Manifest == nil || !sameVM(e.Manifest, r.manifest) || e.ID == r.id {
			continue
		}
		switch e.Status {
		case StatusComplete:
			complete = append(complete, e)
		case StatusFailed:
			r.drop(ctx, e)
		}
	}
	if r.spec.Keep <= 0 {
		return
	}
	sort.SliceStable(complete, func(i, j int) bool { return newer(complete[i], complete[j]) })
	for i, e := range complete {
		if i+1 >= r.spec.Keep { // the new backup is the first one kept
			r.drop(ctx, e)
		}
	}
}

// wouldPrune lists the complete backups of this VM that retention removes
// once this backup succeeds: the same choice prune makes, made before the
// first write so the caller can refuse it.
func (r *run) wouldPrune(earlier []Entry) []string {
	if r.spec.Keep <= 0 {
		return nil
	}
	var complete []Entry
	for _, e := range earlier {
		if e.Status == StatusComplete && e.Manifest != nil && strings.EqualFold(e.Manifest.VM.UUID, r.spec.VM) && r.spec.VM != "" {
			complete = append(complete, e)
		}
	}
	sort.SliceStable(complete, func(i, j int) bool { return newer(complete[i], complete[j]) })
	var out []string
	for i, e := range complete {
		if i+1 >= r.spec.Keep {
			out = append(out, e.Dir)
		}
	}
	return out
}

func (r *run) drop(ctx context.Context, e Entry) {
	dir, err := ParseLocation(e.Dir)
	if err == nil {
		err = r.st.remove(ctx, dir)
	}
	if err != nil {
		r.res.Warnings = append(r.res.Warnings, fmt.Sprintf("retention: removing the backup %s failed (%v); the next backup tries again", e.Dir, err))
		return
	}
	r.res.Pruned = append(r.res.Pruned, e.Dir)
}

func sameVM(a, b *Manifest) bool {
	return strings.EqualFold(a.VM.UUID, b.VM.UUID) && a.VM.UUID != ""
}
