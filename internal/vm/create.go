package vm

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/vmware/govmomi/object"
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
// The VM carries ceso's marker and a create lease (lease.go) from its first
// task on. A VM of the same name in the target folder is never taken over:
// a complete one of ceso's is refused with a pointer to import
// (*NotInStateError), one without the marker with *NameTakenError, an
// incomplete one that another create holds or a host task still works on
// with *InProgressError. Only an incomplete VM whose lease ran out and on
// which no task runs is destroyed and made again (Result.Replaced); see
// Leftovers. The host refuses a second VM of a name in a folder
// (DuplicateName): the VMs of the name are read, and these rules applied,
// when it does, so a create of a new name reads no VM but its template
// and the one it made.
//
// When the VM was made but a later step failed (power-on, wait for an IP),
// Create returns the Result with State set together with the error, so the
// caller can keep the VM in state (Terraform then marks it tainted). When an
// earlier step failed, Create removes what it made; if that fails too, the
// next Create of the same name cleans it up.
func (m *Manager) Create(ctx context.Context, spec Spec, opts Options) (*Result, error) {
	m.withDefaults(&spec)
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
	t, err := m.target(ctx, &spec)
	if err != nil {
		return nil, err
	}
	infra, tmpl, restore, pl := t.infra, t.tmpl, t.restore, t.pl
	if err := precheck(infra, &spec, tmpl, pl.dc.Name, vcenter && restore == nil); err != nil {
		return nil, err
	}
	users, err := m.attachView(ctx, infra, &spec, m.fresh)
	if err != nil {
		return nil, err
	}
	attach, err := m.checkAttach(ctx, users, &spec, nil, pl.dc.Name)
	if err != nil {
		return nil, err
	}
	id := newCreateID()
	lease, err := m.leaseUntil(ctx)
	if err != nil {
		return nil, err
	}
	res := &Result{}
	if restore != nil {
		res.EmptyDisks = restore.Manifest.SkippedSummary()
	}
	var v *esxi.VM
	for attempt := 0; ; attempt++ {
		c := &creation{m: m, spec: &spec, tmpl: tmpl, restore: restore, pl: pl, id: id, lease: lease, vcenter: vcenter,
			dirs: map[string]bool{}, source: t.source, free: t.free, attach: attach, keepLease: opts.KeepLease}
		v, err = c.run(ctx, infra)
		if err == nil {
			break
		}
		if c.ref.Value != "" {
			// Still under the lease: nobody else touches the VM meanwhile.
			if cerr := m.cleanup(ctx, c); cerr != nil {
				err = fmt.Errorf("%w; removing the incomplete VM failed too (%w): the next create of %q removes it once its lease has run out", err, cerr, spec.Name)
			}
			c.hb.stop()
			return nil, err
		}
		// The host refuses a second VM of a name in a folder. Only then are
		// the VMs of that name looked at: none is ever taken over, and one is
		// destroyed only when it is an incomplete one of a create that died.
		// A create of a name nobody has reads no other VM.
		if attempt > 0 || esxi.KindOf(err) != esxi.KindDuplicateName {
			return nil, err
		}
		replaced, werr := m.clearWay(ctx, &spec, pl.folderPath, restore != nil, id, lease, opts)
		if werr != nil {
			return nil, werr
		}
		if !replaced {
			return nil, err // no VM of the name in the folder: files of that name are in the way
		}
		res.Replaced = true
	}
	// The VM is powered off as made; v knows enough to power it.
	err = m.powerAndWait(ctx, v, &spec, opts, res)
	return m.finishNew(ctx, infra, v.Ref, spelling(&spec), res, err)
}

// clearWay handles the VMs of the spec's name in its folder, which made the
// host refuse the create: it decides on the host as it is now (a whole
// read: a lease renewed since must count), refuses the VMs Create must not
// touch, and destroys the incomplete ones of creates that died. It reports
// whether it removed any (false: no VM of the name is in the folder).
func (m *Manager) clearWay(ctx context.Context, spec *Spec, folder string, restore bool, id, lease string, opts Options) (bool, error) {
	snap, err := m.fresh(ctx)
	if err != nil {
		return false, err
	}
	leftovers := sameTarget(snap, spec.Name, folder)
	if len(leftovers) == 0 {
		return false, nil
	}
	if err := m.settle(ctx, leftovers); err != nil {
		return false, err
	}
	if err := refuseLeftovers(leftovers, restore); err != nil {
		return false, err
	}
	for i := range leftovers {
		v := &leftovers[i].VM
		// Destroying what an earlier create left is a destructive effect of
		// its own: the caller decides on it before the first write.
		if opts.ConfirmTakeOver != nil {
			if err := opts.ConfirmTakeOver(ctx, v.UUID, true); err != nil {
				return false, err
			}
		}
		if err := m.takeOver(ctx, &leftovers[i], id, lease); err != nil {
			return false, err
		}
		if err := m.write(ctx, func(ctx context.Context, s *esxi.Session) error {
			return m.destroy(ctx, s, snap, v, specDirs(spec, v), nil)
		}); err != nil {
			return false, fmt.Errorf("remove the incomplete VM %q an interrupted create left: %w", v.Name, err)
		}
	}
	return true, nil
}

// target is what a create resolves before it makes anything.
type target struct {
	infra   *esxi.Snapshot // every object but the VMs
	tmpl    *esxi.VM
	source  *sourceLayout                                   // the template's disk layout (nil without one)
	free    map[types.ManagedObjectReference]esxi.Datastore // datastores read with the template, free space as now
	restore *backup.Source                                  // set for a restore: tmpl describes the backup
	pl      *placement
}

// target resolves the spec's source and placement: the objects it names
// from the read of everything but the VMs (Infra), the template with a
// read of that VM alone. No VM but the template is read, so the cost of a
// create does not grow with the number of VMs on the host.
func (m *Manager) target(ctx context.Context, spec *Spec) (*target, error) {
	infra, err := m.client.Inventory.Infra(ctx)
	if err != nil {
		return nil, err
	}
	t := &target{infra: infra}
	if spec.Template != "" {
		if err := m.source(ctx, t, spec.Template, spec.Datacenter); err != nil {
			return nil, err
		}
	}
	// A restore is a template copy whose source is a backup: the backup
	// package describes the VM to make, disks backed by the backup's copies.
	if spec.Backup != "" {
		if t.restore, err = backup.New(m.client, "").Source(ctx, spec.Backup, spec.Datacenter); err != nil {
			return nil, restoreErr(err)
		}
		t.tmpl, t.source = &t.restore.VM, &sourceLayout{sizes: t.restore.Used}
	}
	vcenter := m.vcenter()
	if spec.LinkedClone && !vcenter {
		return nil, fieldErr("linked_clone", "Linked clones need vCenter", "a standalone ESXi host cannot make linked clones; ceso copies the template's disks there instead. Remove linked_clone.")
	}
	if t.pl, err = resolvePlacement(infra, spec, t.tmpl, vcenter); err != nil {
		return nil, err
	}
	if err := m.checkPCIHosts(ctx, spec, t.pl); err != nil {
		return nil, err
	}
	return t, nil
}

// finishNew reads the new VM's final state into res, with a read of that
// VM alone.
func (m *Manager) finishNew(ctx context.Context, infra *esxi.Snapshot, ref types.ManagedObjectReference, ro ReadOptions, res *Result, err error) (*Result, error) {
	objs, rerr := m.client.Inventory.ReadObjects(ctx, infra, []types.ManagedObjectReference{ref}, nil, nil)
	if rerr != nil {
		if err == nil {
			return nil, rerr
		}
		return res, err
	}
	v := &objs.VMs[0]
	st := stateOf(infra, v, ro.Keys)
	spell(infra, v, st, ro)
	res.State = st
	return res, err
}

// finish reads the VM's final state into res.
func (m *Manager) finish(ctx context.Context, uuid string, ro ReadOptions, res *Result, err error) (*Result, error) {
	st, rerr := m.Read(ctx, uuid, ro)
	if rerr != nil && err == nil {
		return nil, rerr
	}
	res.State = st
	return res, err
}

// creation is one create attempt.
type creation struct {
	m       *Manager
	spec    *Spec
	tmpl    *esxi.VM
	restore *backup.Source // set for a restore: tmpl describes the backup
	pl      *placement
	id      string
	lease   string     // the end of the create lease the first task writes
	hb      *heartbeat // renews the lease while the VM exists
	vcenter bool
	attach  map[string]attachTarget // the existing disks the spec attaches
	// keepLease ends the create with a fresh lease rather than none
	// (Options.KeepLease).
	keepLease bool

	ref     types.ManagedObjectReference // set once the VM exists
	vmx     string
	copied  []string // disk files copied so far
	dirs    map[string]bool
	srcSnap *types.ManagedObjectReference
	source  *sourceLayout                                   // the template's disk layout, read with it
	free    map[types.ManagedObjectReference]esxi.Datastore // datastores read with the template
}

func (c *creation) run(ctx context.Context, snap *esxi.Snapshot) (*esxi.VM, error) {
	if c.tmpl != nil {
		c.applyTemplateDefaults(snap)
	}
	var jobs []*copyJob
	var layout *sourceLayout
	if c.tmpl != nil {
		layout = c.source
		var err error
		if jobs, err = c.planCopies(snap, layout); err != nil {
			return nil, err
		}
	}
	if err := c.checkSpace(ctx, snap, jobs, layout); err != nil {
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
	c.hb = c.m.renewLease(ctx, c.ref, c.spec.Name)
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
	// set to ready (the lease dropped), in one task. No renewal may land
	// after it.
	c.hb.stop()
	err = c.m.write(ctx, func(ctx context.Context, s *esxi.Session) error {
		pln := &planner{s: c.spec, v: view{vm: v, devices: devices, pending: pending}, snap: snap, create: true, backing: backingFunc(ctx, s), attach: c.attach,
			vcenter: c.vcenter, hostPCI: hostPCILoader(inSession(ctx, s), snap, v.HostRef), keyProvider: c.m.keyProviderCheck(inSession(ctx, s))}
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
		until := ""
		if c.keepLease {
			var err error
			if until, err = c.m.leaseUntil(ctx); err != nil {
				return err
			}
		}
		p.spec.ExtraConfig = append(p.spec.ExtraConfig, opt(KeyState, StateReady), opt(KeyLease, until))
		return reconfigure(ctx, s, v, p.spec)
	})
	return v, err
}

// self reads the VM this attempt made, with one property read of that VM
// (not a whole inventory read: fifty creates at once would each force one).
func (c *creation) self(ctx context.Context) (*esxi.VM, error) {
	var o mo.VirtualMachine
	err := c.m.client.Pool.WithSession(ctx, func(ctx context.Context, s *esxi.Session) error {
		return object.NewVirtualMachine(s.Client, c.ref).Properties(ctx, c.ref, []string{"name", "config", "runtime.powerState", "runtime.host"}, &o)
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
	v.NestedHV = cfg.NestedHVEnabled != nil && *cfg.NestedHVEnabled
	v.SecureBoot = cfg.BootOptions != nil && cfg.BootOptions.EfiSecureBootEnabled != nil && *cfg.BootOptions.EfiSecureBootEnabled
	v.Annotation = cfg.Annotation
	v.MemoryLocked, v.MemoryReservedMB = esxi.MemoryReservation(cfg)
	if o.Runtime.Host != nil {
		v.HostRef = *o.Runtime.Host
	}
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
