package vm

import (
	"context"
	"errors"
	"fmt"
	"path"
	"strings"
	"time"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/backup"
	"github.com/esxi-commander/terraform-provider-ceso/internal/esxi"
)

// cleanupTimeout bounds the removal of a half-created VM after a failure.
const cleanupTimeout = 5 * time.Minute

// Create makes the VM the spec describes: empty, or from a template (disk
// copies on a standalone host, CloneVM_Task on vCenter), then powers it as
// asked and waits for an IP address if asked.
//
// The VM carries ceso's marker from its first task on. A VM of the same
// name in the target folder that an earlier, interrupted create left is
// adopted when it is complete (Result.Adopted) and destroyed and made again
// otherwise (Result.Replaced). A VM of that name without the marker is never
// touched: *NameTakenError.
//
// When the VM was made but a later step failed (power-on, wait for an IP),
// Create returns the Result with State set together with the error, so the
// caller can keep the VM in state (Terraform then marks it tainted). When an
// earlier step failed, Create removes what it made; if that fails too, the
// next Create of the same name cleans it up.
func (m *Manager) Create(ctx context.Context, spec Spec, opts Options) (*Result, error) {
	if err := Validate(&spec); err != nil {
		return nil, err
	}
	if err := m.client.CheckWritable(); err != nil {
		return nil, err
	}
	key := spec.Datacenter + "\x00" + spec.Folder + "\x00" + spec.Name
	if !m.claim(key) {
		return nil, fieldErr("name", "VM already being created", "another resource in this run creates a VM named %q in the same folder.", spec.Name)
	}
	defer m.release(key)

	vcenter := m.vcenter()
	// The shared read suffices: every write of this provider drops it, and
	// the host refuses a duplicate name in a folder anyway.
	snap, err := m.snapshot(ctx)
	if err != nil {
		return nil, err
	}
	var tmpl *esxi.VM
	if spec.Template != "" {
		if tmpl, err = resolveVM(snap, spec.Template, spec.Datacenter); err != nil {
			return nil, templateErr(snap, spec.Template, err)
		}
	}
	// A restore is a template copy whose source is a backup: the backup
	// package describes the VM to make, disks backed by the backup's copies.
	var restore *backup.Source
	if spec.Backup != "" {
		if restore, err = backup.New(m.client, "").Source(ctx, spec.Backup, spec.Datacenter); err != nil {
			return nil, restoreErr(err)
		}
		tmpl = &restore.VM
	}
	if spec.LinkedClone && !vcenter {
		return nil, fieldErr("linked_clone", "Linked clones need vCenter", "a standalone ESXi host cannot make linked clones; ceso copies the template's disks there instead. Remove linked_clone.")
	}
	pl, err := resolvePlacement(snap, &spec, tmpl, vcenter)
	if err != nil {
		return nil, err
	}
	if err := precheck(snap, &spec, tmpl, pl.dc.Name, vcenter && restore == nil); err != nil {
		return nil, err
	}

	res := &Result{}
	for i := range snap.VMs {
		v := &snap.VMs[i]
		if v.Name != spec.Name || v.Folder != pl.folderPath {
			continue
		}
		if !isManaged(v) {
			return nil, &NameTakenError{Name: v.Name, Path: v.Path, UUID: v.UUID}
		}
		if v.ExtraConfig[KeyState] == StateReady {
			if restore != nil && v.ExtraConfig[KeyRestoredFrom] != restore.Manifest.ID {
				return nil, fieldErr("name", "VM name taken",
					"a VM named %q exists at %s; a restore makes a new VM and never restores over an existing one. Choose another name, or delete that VM first.", v.Name, v.Path)
			}
			if opts.ConfirmTakeOver != nil {
				if err := opts.ConfirmTakeOver(ctx, v.UUID, false); err != nil {
					return nil, err
				}
			}
			res.Adopted = true
			err := m.converge(ctx, snap, v, &spec, opts, res)
			return m.finish(ctx, v.UUID, res, err)
		}
		// An incomplete VM of an interrupted create: start over.
		if opts.ConfirmTakeOver != nil {
			if err := opts.ConfirmTakeOver(ctx, v.UUID, true); err != nil {
				return nil, err
			}
		}
		if err := m.write(ctx, func(ctx context.Context, s *esxi.Session) error {
			return m.destroy(ctx, s, snap, v, specDirs(&spec, v), nil)
		}); err != nil {
			return nil, fmt.Errorf("remove the incomplete VM %q an interrupted create left: %w", v.Name, err)
		}
		res.Replaced = true
	}
	if res.Replaced {
		if snap, err = m.fresh(ctx); err != nil {
			return nil, err
		}
	}

	c := &creation{m: m, spec: &spec, tmpl: tmpl, restore: restore, pl: pl, id: newCreateID(), vcenter: vcenter, dirs: map[string]bool{}}
	v, err := c.run(ctx, snap)
	if err != nil {
		if c.ref.Value != "" {
			if cerr := m.cleanup(ctx, c); cerr != nil {
				err = fmt.Errorf("%w; removing the incomplete VM failed too (%w): the next create of %q removes it", err, cerr, spec.Name)
			}
		}
		return nil, err
	}
	// The VM is powered off as made; v knows enough to power it.
	err = m.powerAndWait(ctx, v, &spec, opts, res)
	return m.finish(ctx, v.UUID, res, err)
}

// finish reads the VM's final state into res.
func (m *Manager) finish(ctx context.Context, uuid string, res *Result, err error) (*Result, error) {
	st, rerr := m.Read(ctx, uuid, ReadOptions{})
	if rerr != nil && err == nil {
		return nil, rerr
	}
	res.State = st
	return res, err
}

// precheck looks up every network and disk datastore the spec names, so a
// typo fails before anything is made.
func precheck(snap *esxi.Snapshot, s *Spec, tmpl *esxi.VM, dc string, vcenter bool) error {
	var errs []error
	if tmpl != nil && vcenter && s.HardwareVersion > 0 && s.HardwareVersion < hwVersion(tmpl.HWVersion) {
		errs = append(errs, fieldErr("hardware_version", "Hardware version below the template's",
			"template %s has %s; a clone keeps at least that version, so hardware_version must be %d or more.", tmpl.Name, tmpl.HWVersion, hwVersion(tmpl.HWVersion)))
	}
	for i, n := range s.NICs {
		if _, err := snap.FindNetwork(n.Network, dc); err != nil {
			e := lookupFieldErr("network_interface", "Network", err)
			e.Index, e.Sub = i, "network"
			errs = append(errs, e)
		}
	}
	for i, d := range s.Disks {
		if d.Datastore == "" {
			continue
		}
		if _, err := snap.FindDatastore(d.Datastore, dc); err != nil {
			e := lookupFieldErr("disk", "Datastore", err)
			e.Index, e.Sub = i, "datastore"
			errs = append(errs, e)
		}
	}
	if len(errs) > 0 {
		return joinErrs(errs)
	}
	return nil
}

// restoreErr attaches a backup's refusal to the backup attribute.
func restoreErr(err error) error {
	if fe, ok := backup.AsFieldError(err); ok {
		return &FieldError{Field: "backup", Index: -1, Summary: fe.Summary, Detail: fe.Detail, Err: err}
	}
	return err
}

func templateErr(snap *esxi.Snapshot, value string, err error) error {
	if IsNotFound(err) || esxi.IsNotFound(err) {
		detail := fmt.Sprintf("no VM or template with name, UUID or path %q exists; list them with the ceso_templates or ceso_vms data source.", value)
		if near := nearTemplates(snap, value); near != "" {
			detail = fmt.Sprintf("no VM or template with name, UUID or path %q exists. %s List them all with the ceso_templates or ceso_vms data source.", value, near)
		}
		return &FieldError{Field: "template", Index: -1, Summary: "Template not found", Detail: detail, Err: err}
	}
	return &FieldError{Field: "template", Index: -1, Summary: "Ambiguous template", Detail: err.Error(), Err: err}
}

// creation is one create attempt.
type creation struct {
	m       *Manager
	spec    *Spec
	tmpl    *esxi.VM
	restore *backup.Source // set for a restore: tmpl describes the backup
	pl      *placement
	id      string
	vcenter bool

	ref     types.ManagedObjectReference // set once the VM exists
	vmx     string
	copied  []string // disk files copied so far
	dirs    map[string]bool
	srcSnap *types.ManagedObjectReference
}

func (c *creation) run(ctx context.Context, snap *esxi.Snapshot) (*esxi.VM, error) {
	if c.tmpl != nil {
		c.applyTemplateDefaults(snap)
	}
	var jobs []*copyJob
	var layout *sourceLayout
	if c.tmpl != nil {
		var err error
		if c.restore != nil {
			layout = &sourceLayout{sizes: c.restore.Used}
		} else {
			err = c.m.client.Pool.WithSession(ctx, func(ctx context.Context, s *esxi.Session) error {
				var err error
				layout, err = readSourceLayout(ctx, s, c.tmpl.Ref)
				return err
			})
		}
		if err != nil {
			return nil, err
		}
		if jobs, err = c.planCopies(snap, layout); err != nil {
			return nil, err
		}
	}
	if err := c.checkSpace(snap, jobs, layout); err != nil {
		return nil, err
	}

	var err error
	if c.tmpl != nil && c.vcenter && c.restore == nil {
		err = c.clone(ctx, layout, jobs)
	} else {
		err = c.createVM(ctx, jobs)
	}
	if err != nil {
		return nil, err
	}
	v, err := c.self(ctx)
	if err != nil {
		return nil, err
	}
	c.vmx = v.VMXPath

	pending := map[int32]bool{}
	devices := append([]types.BaseVirtualDevice(nil), v.Devices...)
	if len(jobs) > 0 && (!c.vcenter || c.restore != nil) {
		added, err := c.copyDisks(ctx, v, jobs)
		if err != nil {
			return nil, err
		}
		for _, d := range added {
			pending[d.GetVirtualDevice().Key] = true
			devices = append(devices, d)
		}
	}

	// The final reconfigure: devices, guest configuration, and the marker
	// set to ready, in one task.
	err = c.m.write(ctx, func(ctx context.Context, s *esxi.Session) error {
		pln := &planner{s: c.spec, v: view{vm: v, devices: devices, pending: pending}, snap: snap, create: true, backing: backingFunc(ctx, s)}
		p, err := pln.run()
		if err != nil {
			return err
		}
		if p.upgrade > 0 {
			task, err := object.NewVirtualMachine(s.Client, v.Ref).UpgradeVM(ctx, fmt.Sprintf("vmx-%02d", p.upgrade))
			if _, err := esxi.WaitTask(ctx, "upgrade the hardware of VM "+v.Name, task, err); err != nil {
				return err
			}
		}
		p.spec.ExtraConfig = append(p.spec.ExtraConfig, opt(KeyState, StateReady))
		return reconfigure(ctx, s, v, p.spec)
	})
	return v, err
}

// self reads the VM this attempt made, with one property read of that VM
// (not a whole inventory read: fifty creates at once would each force one).
func (c *creation) self(ctx context.Context) (*esxi.VM, error) {
	var o mo.VirtualMachine
	err := c.m.client.Pool.WithSession(ctx, func(ctx context.Context, s *esxi.Session) error {
		return object.NewVirtualMachine(s.Client, c.ref).Properties(ctx, c.ref, []string{"name", "config", "runtime.powerState"}, &o)
	})
	if err != nil {
		return nil, esxi.Wrap("read the new VM "+c.spec.Name, err)
	}
	if o.Config == nil {
		return nil, &esxi.Error{Op: "read the new VM " + c.spec.Name, Kind: esxi.KindNotFound, Err: errors.New("the VM has no configuration")}
	}
	cfg := o.Config
	v := &esxi.VM{Ref: c.ref, Name: o.Name, Datacenter: c.pl.dc.Name, UUID: cfg.InstanceUuid, BIOSUUID: cfg.Uuid,
		PowerState: string(o.Runtime.PowerState), CPUs: cfg.Hardware.NumCPU, CoresPerSocket: 1, MemoryMB: cfg.Hardware.MemoryMB,
		GuestID: cfg.GuestId, Firmware: cfg.Firmware, HWVersion: cfg.Version, VMXPath: cfg.Files.VmPathName,
		Devices: cfg.Hardware.Device, ExtraConfig: map[string]string{}}
	if n := cfg.Hardware.NumCoresPerSocket; n != nil && *n > 0 {
		v.CoresPerSocket = *n
	}
	v.CPUHotAdd = cfg.CpuHotAddEnabled != nil && *cfg.CpuHotAddEnabled
	v.MemoryHotAdd = cfg.MemoryHotAddEnabled != nil && *cfg.MemoryHotAddEnabled
	for _, ov := range cfg.ExtraConfig {
		if x, ok := ov.GetOptionValue().Value.(string); ok {
			v.ExtraConfig[ov.GetOptionValue().Key] = x
		}
	}
	if v.ExtraConfig[KeyCreateID] != c.id {
		return nil, &esxi.Error{Op: "find the new VM " + c.spec.Name, Kind: esxi.KindNotFound,
			Err: errors.New("the VM just created does not carry this attempt's marker; it was replaced by someone else")}
	}
	return v, nil
}

// applyTemplateDefaults fills what the spec leaves open from the template,
// so planning compares against the template's values.
func (c *creation) applyTemplateDefaults(snap *esxi.Snapshot) {
	s, t := c.spec, c.tmpl
	copied := !c.vcenter || c.restore != nil // the VM is made, not cloned
	if s.NICs == nil && copied {
		s.NICs = []NIC{}
		for _, n := range nics(t.Devices) {
			kind := esxi.AdapterType(n)
			if kind != "vmxnet3" && kind != "e1000e" && kind != "e1000" {
				kind = "vmxnet3"
			}
			s.NICs = append(s.NICs, NIC{Network: networkName(snap, n), AdapterType: kind})
		}
	}
	if s.CDROM == nil && copied {
		for _, cd := range cdroms(t.Devices) {
			if iso := isoOf(cd); iso != "" {
				s.CDROM = &CDROM{ISO: iso}
				break
			}
		}
	}
}

// marker is the extra config of the first task.
func (c *creation) marker() []types.BaseOptionValue {
	m := []types.BaseOptionValue{opt(KeyManaged, "true"), opt(KeyCreateID, c.id), opt(KeyState, StateCreating)}
	if c.restore != nil {
		m = append(m, opt(KeyRestoredFrom, c.restore.Manifest.ID))
	}
	return m
}

// createVM makes the VM with CreateVM_Task: hardware, the template's disk
// controllers, and the marker. Disks, adapters and guest configuration
// come with the final reconfigure.
func (c *creation) createVM(ctx context.Context, jobs []*copyJob) error {
	s, t := c.spec, c.tmpl
	cs := types.VirtualMachineConfigSpec{
		Name:        s.Name,
		Files:       &types.VirtualMachineFileInfo{VmPathName: "[" + c.pl.datastore.Name + "]"},
		ExtraConfig: c.marker(),
	}
	guest, firmware, cpus, cores, mem, version := "otherGuest64", "bios", int32(1), int32(0), int64(1024), ""
	if t != nil {
		guest, firmware, cpus, mem, version = orDefault(t.GuestID, guest), orDefault(t.Firmware, firmware), t.CPUs, int64(t.MemoryMB), t.HWVersion
		cores = t.CoresPerSocket
		cs.CpuHotAddEnabled, cs.MemoryHotAddEnabled = types.NewBool(t.CPUHotAdd), types.NewBool(t.MemoryHotAdd)
	}
	cs.GuestId, cs.Firmware = orDefault(s.GuestID, guest), orDefault(s.Firmware, firmware)
	cs.NumCPUs, cs.MemoryMB = cpus, mem
	if s.CPUs > 0 {
		cs.NumCPUs = s.CPUs
	}
	if s.MemoryMB > 0 {
		cs.MemoryMB = s.MemoryMB
	}
	if s.CoresPerSocket > 0 {
		cores = s.CoresPerSocket
	}
	if cores > 0 {
		cs.NumCoresPerSocket = types.NewInt32(cores)
	}
	if s.CPUHotAdd != nil {
		cs.CpuHotAddEnabled = types.NewBool(*s.CPUHotAdd)
	}
	if s.MemoryHotAdd != nil {
		cs.MemoryHotAddEnabled = types.NewBool(*s.MemoryHotAdd)
	}
	if s.HardwareVersion > 0 {
		version = fmt.Sprintf("vmx-%02d", s.HardwareVersion)
	}
	cs.Version = version

	// The controllers the copied disks attach to, on the template's buses.
	added := map[slot]bool{}
	key := int32(-100)
	for _, j := range jobs {
		at := slot{family: j.slot.family, bus: j.slot.bus}
		if added[at] || at.family == ControllerIDE {
			continue
		}
		added[at] = true
		scsiType := s.SCSIType
		if t != nil {
			ctrls, _ := indexControllers(t.Devices)
			if tc, ok := ctrls[at]; ok && at.family == ControllerSCSI && scsiType == "" {
				scsiType = esxi.SCSIType(tc)
			}
		}
		key--
		ctrl, err := newController(at.family, scsiType, at.bus, key)
		if err != nil {
			return err
		}
		cs.DeviceChange = append(cs.DeviceChange, &types.VirtualDeviceConfigSpec{Operation: types.VirtualDeviceConfigSpecOperationAdd, Device: ctrl})
	}

	return c.m.write(ctx, func(ctx context.Context, ss *esxi.Session) error {
		folder := object.NewFolder(ss.Client, c.pl.folder)
		pool := object.NewResourcePool(ss.Client, c.pl.pool)
		var host *object.HostSystem
		if c.pl.host != nil {
			host = object.NewHostSystem(ss.Client, *c.pl.host)
		}
		task, err := folder.CreateVM(ctx, cs, pool, host)
		info, err := esxi.WaitTask(ctx, "create VM "+s.Name, task, err)
		if info != nil {
			if ref, ok := info.Result.(types.ManagedObjectReference); ok {
				c.ref = ref
			}
		}
		return createErr(err, s.Name)
	})
}

func createErr(err error, name string) error {
	if err == nil {
		return nil
	}
	if esxi.KindOf(err) == esxi.KindDuplicateName {
		return &FieldError{Field: "name", Index: -1, Summary: "VM name taken",
			Detail: fmt.Sprintf("the host refused the name %q: %v. A VM or the files of one of that name exist; choose another name or remove them.", name, err), Err: err}
	}
	return err
}

// clone makes the VM from the template with CloneVM_Task (vCenter).
func (c *creation) clone(ctx context.Context, layout *sourceLayout, jobs []*copyJob) error {
	s, t := c.spec, c.tmpl
	cfg := &types.VirtualMachineConfigSpec{ExtraConfig: c.marker()}
	// Nothing of ceso's bookkeeping or guest configuration comes along from
	// the template: the new VM gets only what its spec says.
	for k := range t.ExtraConfig {
		if k == KeyTemplate || k == KeyManagedKeys || k == KeyKeepOnRemove || strings.HasPrefix(k, "guestinfo.") {
			cfg.ExtraConfig = append(cfg.ExtraConfig, opt(k, ""))
		}
	}
	cs := types.VirtualMachineCloneSpec{
		Location: types.VirtualMachineRelocateSpec{Pool: &c.pl.pool, Host: c.pl.host, Datastore: &c.pl.datastore.Ref},
		Config:   cfg,
	}
	for _, j := range jobs {
		if j.ds.Ref == c.pl.datastore.Ref && j.prov == j.src.provisioning() {
			continue
		}
		cs.Location.Disk = append(cs.Location.Disk, types.VirtualMachineRelocateSpecDiskLocator{
			DiskId: j.src.dev.Key, Datastore: j.ds.Ref,
			DiskBackingInfo: &types.VirtualDiskFlatVer2BackingInfo{
				DiskMode:        string(types.VirtualDiskModePersistent),
				ThinProvisioned: types.NewBool(j.prov == ProvisionThin), EagerlyScrub: types.NewBool(j.prov == ProvisionEagerZeroed),
			},
		})
	}
	if s.LinkedClone {
		snapRef, err := layout.snapshotRef(s.CloneSnapshot)
		if err != nil {
			return err
		}
		cs.Snapshot = snapRef
		cs.Location.DiskMoveType = string(types.VirtualMachineRelocateDiskMoveOptionsCreateNewChildDiskBacking)
		cs.Location.Disk = nil
	}
	return c.m.write(ctx, func(ctx context.Context, ss *esxi.Session) error {
		src := object.NewVirtualMachine(ss.Client, t.Ref)
		task, err := src.Clone(ctx, object.NewFolder(ss.Client, c.pl.folder), s.Name, cs)
		info, err := esxi.WaitTask(ctx, "clone "+t.Name+" to "+s.Name, task, err)
		if info != nil {
			if ref, ok := info.Result.(types.ManagedObjectReference); ok {
				c.ref = ref
			}
		}
		return createErr(err, s.Name)
	})
}

// copyJob is one template disk to copy (standalone host) or relocate (vCenter).
type copyJob struct {
	src    diskInfo
	decl   int // index in Spec.Disks, -1 when the spec does not list it
	slot   slot
	ds     esxi.Datastore
	prov   string
	sizeKB int64
	dst    string
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
		if d.file == "" {
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

// checkSpace compares the datastores' free space with what the disks to
// copy and create need, before anything is made. Thin disks need what their
// source uses; thick ones their full size.
func (c *creation) checkSpace(snap *esxi.Snapshot, jobs []*copyJob, layout *sourceLayout) error {
	need := map[types.ManagedObjectReference]int64{}
	field := map[types.ManagedObjectReference][2]any{}
	blame := func(ds esxi.Datastore, decl int) {
		if _, ok := field[ds.Ref]; !ok {
			if decl >= 0 && c.spec.Disks[decl].Datastore != "" {
				field[ds.Ref] = [2]any{"disk", decl}
			} else {
				field[ds.Ref] = [2]any{"datastore", -1}
			}
		}
	}
	if !c.spec.LinkedClone {
		for _, j := range jobs {
			n := j.sizeKB * 1024
			if j.prov == ProvisionThin {
				n = min(layout.used(j.src.dev.Key), j.sizeKB*1024)
			}
			need[j.ds.Ref] += n
			blame(j.ds, j.decl)
		}
	}
	covered := map[int]bool{}
	for _, j := range jobs {
		covered[j.decl] = true
	}
	for i, d := range c.spec.Disks {
		if covered[i] || orDefault(d.Provisioning, ProvisionThin) == ProvisionThin {
			continue
		}
		ds := c.pl.datastore
		if d.Datastore != "" {
			x, err := snap.FindDatastore(d.Datastore, c.pl.dc.Name)
			if err != nil {
				e := lookupFieldErr("disk", "Datastore", err)
				e.Index, e.Sub = i, "datastore"
				return e
			}
			ds = x
		}
		need[ds.Ref] += d.SizeGiB * gib
		blame(ds, i)
	}
	for _, ds := range snap.Datastores {
		if n := need[ds.Ref]; n > 0 && n > ds.FreeSpace {
			f := field[ds.Ref]
			if f[0] == "disk" {
				i, _ := f[1].(int) // blame records the disk's index here
				return insufficientSpace("disk", i, ds, n)
			}
			e := insufficientSpace("datastore", -1, ds, n)
			return e
		}
	}
	return nil
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
			info, terr := esxi.WaitTask(ctx, "snapshot the running source "+c.tmpl.Name, task, terr)
			if terr != nil {
				return terr
			}
			ref, _ := info.Result.(types.ManagedObjectReference)
			c.srcSnap = &ref
			defer func() {
				if rerr := removeSnapshot(context.WithoutCancel(ctx), s, ref, c.tmpl.Name); rerr != nil {
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
				err := object.NewFileManager(s.Client).MakeDirectory(ctx, dsPath(j.ds.Name, dir), dc, true)
				if err != nil && esxi.KindOf(err) != esxi.KindDuplicateName {
					return esxi.Wrap("make folder "+dsPath(j.ds.Name, dir), err)
				}
				made[j.ds.Name] = true
				c.dirs[dsPath(j.ds.Name, dir)] = true
			}
			spec := &types.VirtualDiskSpec{DiskType: diskType(j.prov), AdapterType: string(types.VirtualDiskAdapterTypeLsiLogic)}
			if j.slot.family == ControllerIDE {
				spec.AdapterType = string(types.VirtualDiskAdapterTypeIde)
			}
			task, err := vdm.CopyVirtualDisk(ctx, j.src.file, dc, j.dst, dc, spec, false)
			c.copied = append(c.copied, j.dst)
			if _, err := esxi.WaitTask(ctx, "copy disk "+j.src.file+" to "+j.dst, task, err); err != nil {
				return err
			}
			if j.sizeKB > j.src.capacityKB {
				task, err := vdm.ExtendVirtualDisk(ctx, j.dst, dc, j.sizeKB, types.NewBool(j.prov == ProvisionEagerZeroed))
				if _, err := esxi.WaitTask(ctx, "grow disk "+j.dst, task, err); err != nil {
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

func diskType(prov string) string {
	switch prov {
	case ProvisionThick:
		return string(types.VirtualDiskTypePreallocated)
	case ProvisionEagerZeroed:
		return string(types.VirtualDiskTypeEagerZeroedThick)
	}
	return string(types.VirtualDiskTypeThin)
}

func removeSnapshot(ctx context.Context, s *esxi.Session, ref types.ManagedObjectReference, vmName string) error {
	req := types.RemoveSnapshot_Task{This: ref, RemoveChildren: false, Consolidate: types.NewBool(true)}
	res, err := methods.RemoveSnapshot_Task(ctx, s.Client, &req)
	var task *object.Task
	if err == nil {
		task = object.NewTask(s.Client, res.Returnval)
	}
	_, err = esxi.WaitTask(ctx, "remove ceso's snapshot of "+vmName, task, err)
	return err
}

// cleanup removes what a failed attempt made.
func (m *Manager) cleanup(ctx context.Context, c *creation) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	snap, err := m.fresh(ctx)
	if err != nil {
		return err
	}
	v, ok := snap.VMByRef(c.ref.Value)
	if !ok {
		return nil
	}
	return m.write(ctx, func(ctx context.Context, s *esxi.Session) error {
		dirs := specDirs(c.spec, &v)
		for d := range c.dirs {
			dirs = append(dirs, d)
		}
		return m.destroy(ctx, s, snap, &v, dirs, nil)
	})
}

// specDirs are the folders named like the VM's own on the other datastores
// the spec puts disks on: a copy may have left files there before the VM
// knew of them.
func specDirs(s *Spec, v *esxi.VM) []string {
	_, dir := datastoreDir(v.VMXPath)
	if dir == "" {
		return nil
	}
	var out []string
	for _, d := range s.Disks {
		if d.Datastore != "" {
			out = append(out, dsPath(d.Datastore, dir))
		}
	}
	return out
}

// sourceLayout is what a copy needs to know of its source beyond the
// inventory: the space its disks use, and its snapshots.
type sourceLayout struct {
	vm    mo.VirtualMachine
	sizes map[int32]int64 // a restore's: what each disk's backup copy takes
}

func readSourceLayout(ctx context.Context, s *esxi.Session, ref types.ManagedObjectReference) (*sourceLayout, error) {
	l := &sourceLayout{}
	err := object.NewVirtualMachine(s.Client, ref).Properties(ctx, ref, []string{"layoutEx", "snapshot"}, &l.vm)
	if err != nil {
		return nil, esxi.Wrap("read the source VM's disk layout", err)
	}
	return l, nil
}

// used is the space the disk with key uses (every file of its chain).
func (l *sourceLayout) used(key int32) int64 {
	if l != nil && l.sizes != nil {
		return l.sizes[key]
	}
	if l == nil || l.vm.LayoutEx == nil {
		return 0
	}
	size := map[int32]int64{}
	for _, f := range l.vm.LayoutEx.File {
		size[f.Key] = f.Size
	}
	var n int64
	for _, d := range l.vm.LayoutEx.Disk {
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

// snapshotRef finds the named snapshot (the current one for "").
func (l *sourceLayout) snapshotRef(name string) (*types.ManagedObjectReference, error) {
	if l.vm.Snapshot == nil || len(l.vm.Snapshot.RootSnapshotList) == 0 {
		return nil, fieldErr("linked_clone", "Template has no snapshot", "a linked clone shares the template's disks through a snapshot; take one on the template first, or set linked_clone = false.")
	}
	if name == "" {
		if l.vm.Snapshot.CurrentSnapshot != nil {
			return l.vm.Snapshot.CurrentSnapshot, nil
		}
		return &l.vm.Snapshot.RootSnapshotList[0].Snapshot, nil
	}
	var found []types.ManagedObjectReference
	var walk func([]types.VirtualMachineSnapshotTree)
	walk = func(ts []types.VirtualMachineSnapshotTree) {
		for _, t := range ts {
			if t.Name == name {
				found = append(found, t.Snapshot)
			}
			walk(t.ChildSnapshotList)
		}
	}
	walk(l.vm.Snapshot.RootSnapshotList)
	switch len(found) {
	case 1:
		return &found[0], nil
	case 0:
		return nil, fieldErr("clone_snapshot", "Snapshot not found", "the template has no snapshot named %q.", name)
	}
	return nil, fieldErr("clone_snapshot", "Ambiguous snapshot", "the template has %d snapshots named %q; rename one.", len(found), name)
}

// reconfigure runs ReconfigVM_Task.
func reconfigure(ctx context.Context, s *esxi.Session, v *esxi.VM, spec types.VirtualMachineConfigSpec) error {
	task, err := object.NewVirtualMachine(s.Client, v.Ref).Reconfigure(ctx, spec)
	_, err = esxi.WaitTask(ctx, "reconfigure VM "+v.Name, task, err)
	return err
}

// backingFunc returns the adapter backing for a network, reading a
// distributed port group's switch with the session where needed.
func backingFunc(ctx context.Context, s *esxi.Session) func(esxi.Network) (types.BaseVirtualDeviceBackingInfo, error) {
	return func(n esxi.Network) (types.BaseVirtualDeviceBackingInfo, error) {
		switch n.Type {
		case "DistributedVirtualPortgroup":
			b, err := object.NewDistributedVirtualPortgroup(s.Client, n.Ref).EthernetCardBackingInfo(ctx)
			return b, esxi.Wrap("read port group "+n.Name, err)
		case "OpaqueNetwork":
			b, err := object.NewOpaqueNetwork(s.Client, n.Ref).EthernetCardBackingInfo(ctx)
			return b, esxi.Wrap("read network "+n.Name, err)
		}
		return plainBacking(n), nil
	}
}

func plainBacking(n esxi.Network) types.BaseVirtualDeviceBackingInfo {
	ref := n.Ref
	return &types.VirtualEthernetCardNetworkBackingInfo{
		VirtualDeviceDeviceBackingInfo: types.VirtualDeviceDeviceBackingInfo{DeviceName: n.Name},
		Network:                        &ref,
	}
}

// powerAndWait brings a new or adopted VM to its power state and waits for
// an IP address if asked.
func (m *Manager) powerAndWait(ctx context.Context, v *esxi.VM, s *Spec, opts Options, res *Result) error {
	if err := m.applyPower(ctx, v, s.Power, opts, res); err != nil {
		return err
	}
	if s.WaitForIP > 0 && orDefault(s.Power, PowerOn) == PowerOn {
		if _, err := m.WaitForIP(ctx, v.UUID, s.WaitForIP); err != nil {
			return err
		}
	}
	return nil
}
