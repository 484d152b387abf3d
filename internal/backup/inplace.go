package backup

import (
	"context"
	"fmt"
	"strings"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/esxi"
)

// InPlace is a restore of a backup over an existing VM (the ceso_restore
// resource): the VM keeps its inventory place, and by default its identity
// (BIOS and instance UUID, MAC addresses); its disks are replaced by
// copies of the backup's.
type InPlace struct {
	// VM is the instance (or BIOS) UUID of the VM to restore over.
	VM string
	// Backup is a backup id, folder or manifest path; only a complete
	// backup is accepted.
	Backup     string
	Datacenter string
	// KeepIdentity keeps the VM's BIOS and instance UUID and its MAC
	// addresses; false gives it the backed-up VM's.
	KeepIdentity bool
	// PowerOff powers a running VM off (hard) for the restore and on again
	// after; without it a running VM is refused.
	PowerOff bool
}

// InPlacePlan is what a restore over a VM will do, read without a change:
// the provider shows it at plan time and the guard records it.
type InPlacePlan struct {
	VMName     string
	VMUUID     string
	PowerState string
	Manifest   *Manifest
	// Overwritten are the VM's disks whose contents the backup's replace:
	// "Hard disk 1 (scsi:0:0, [ds] web/web.vmdk)".
	Overwritten []string
	// Added are disks of the backup the VM lacks; they are added.
	Added []string
	// Empty are disks the backup left out: they come back empty.
	Empty []string
	// Untouched are disks of the VM the backup does not have: they stay
	// attached as they are.
	Untouched []string

	ref     types.ManagedObjectReference
	vmx     string
	devices []types.BaseVirtualDevice
	swaps   []swap
}

// swap is one disk slot the restore fills.
type swap struct {
	slot    string
	label   string
	from    string // the backup's copy; "" for a disk made empty
	capKB   int64
	prov    string
	mode    string
	family  string
	old     *types.VirtualDisk // the VM's disk at that slot, nil when added
	oldFile string
	ctrlKey int32
	bus     int32
	unit    int32
	dst     string // the new file in the VM's folder
}

// InPlaceResult is what a restore over a VM did.
type InPlaceResult struct {
	Plan *InPlacePlan
	// Disks are the VM's new disk files.
	Disks []string
	// Removed are the old disk files deleted once the VM used the new ones.
	Removed  []string
	Warnings []string
}

// PlanInPlace resolves a restore over a VM without changing anything.
func (m *Manager) PlanInPlace(ctx context.Context, spec InPlace) (*InPlacePlan, error) {
	man, err := m.Find(ctx, spec.Backup, spec.Datacenter)
	if err != nil {
		if IsNotFound(err) {
			return nil, &FieldError{Field: "backup", Summary: "Backup Not Found", Detail: err.Error(), Err: err}
		}
		return nil, err
	}
	if !man.Good() {
		return nil, &FieldError{Field: "backup", Summary: "Backup Not Complete", Err: ErrNotComplete,
			Detail: fmt.Sprintf("backup %s has status %q (%s); restore from a complete backup.", man.ID, man.Status, man.Error)}
	}
	snap, err := m.client.Inventory.Get(ctx)
	if err != nil {
		return nil, err
	}
	v, err := snap.FindVM("uuid", spec.VM, spec.Datacenter)
	if err != nil {
		return nil, vmErr(spec.VM, err)
	}
	return planInPlace(v, man, snap)
}

// planInPlace matches the backup's disks to the VM's by slot (controller,
// bus, unit): identity, never position.
func planInPlace(v esxi.VM, man *Manifest, snap *esxi.Snapshot) (*InPlacePlan, error) {
	if v.Template {
		return nil, fieldErr("vm", "Cannot Restore Over A Template", "%s is a template; restore into a new VM with ceso_vm's backup instead.", v.Name)
	}
	p := &InPlacePlan{VMName: v.Name, VMUUID: v.UUID, PowerState: v.PowerState, Manifest: man, ref: v.Ref, vmx: v.VMXPath, devices: v.Devices}
	have, _, _ := describe(v.Devices, snap)
	bySlot := map[string]srcDisk{}
	for _, d := range have {
		bySlot[d.info.Slot()] = d
	}
	ctrls := map[string]int32{}
	for _, d := range v.Devices {
		if fam := esxi.ControllerFamily(d); fam != "" {
			ctrls[fmt.Sprintf("%s:%d", fam, busOf(d))] = d.GetVirtualDevice().Key
		}
	}
	var missing []string
	want := map[string]bool{}
	add := func(slot, label, from, prov, mode, family string, bus, unit int32, capBytes int64) {
		want[slot] = true
		s := swap{slot: slot, label: label, from: from, capKB: capBytes / 1024, prov: prov, mode: mode, family: family, bus: bus, unit: unit}
		key, ok := ctrls[fmt.Sprintf("%s:%d", family, bus)]
		if !ok {
			missing = append(missing, fmt.Sprintf("%s (%s)", label, slot))
			return
		}
		s.ctrlKey = key
		if old, ok := bySlot[slot]; ok {
			s.old, s.oldFile = old.dev, old.file
			if old.rdm || old.extern || old.file == "" {
				missing = append(missing, fmt.Sprintf("%s (%s is a raw device mapping or has no file on the VM)", label, slot))
				return
			}
			p.Overwritten = append(p.Overwritten, fmt.Sprintf("%s (%s, %s)", old.info.Label, slot, old.file))
		} else {
			p.Added = append(p.Added, fmt.Sprintf("%s (%s)", label, slot))
		}
		if from == "" {
			p.Empty = append(p.Empty, fmt.Sprintf("%s (%s, %s)", label, slot, human(capBytes)))
		}
		p.swaps = append(p.swaps, s)
	}
	for _, d := range man.Disks {
		add(d.Slot(), d.Label, man.Dir+"/"+d.File, d.Provisioning, d.DiskMode, d.Controller, d.Bus, d.Unit, d.CapacityBytes)
	}
	for _, d := range man.Skipped {
		mode := d.DiskMode
		if d.Reason == SkipRDM || mode == "" {
			mode = string(types.VirtualDiskModePersistent)
		}
		add(d.Slot(), d.Label, "", d.Provisioning, mode, d.Controller, d.Bus, d.Unit, d.CapacityBytes)
	}
	if len(missing) > 0 {
		return nil, fieldErr("vm", "Backup Does Not Fit The VM",
			"VM %s has no place for these disks of backup %s: %s. The VM needs the controllers the backed-up VM had; restore into a new VM with ceso_vm's backup instead.",
			v.Name, man.ID, strings.Join(missing, ", "))
	}
	for _, d := range have {
		if !want[d.info.Slot()] {
			p.Untouched = append(p.Untouched, fmt.Sprintf("%s (%s, %s)", d.info.Label, d.info.Slot(), d.file))
		}
	}
	return p, nil
}

// RestoreInPlace restores a backup over an existing VM: every disk of the
// backup is copied into the VM's folder under a new name (the disks it
// left out are made empty), and only when every copy succeeded does one
// reconfigure switch the VM to them, together with the hardware and,
// unless KeepIdentity, the identity of the manifest. The old disk files
// are deleted last. A failure before the switch deletes the new copies and
// leaves the VM as it was; the switch is one task, so it is all or nothing.
func (m *Manager) RestoreInPlace(ctx context.Context, spec InPlace) (*InPlaceResult, error) {
	if err := m.client.CheckWritable(); err != nil {
		return nil, err
	}
	unlock := m.lock(strings.ToLower(spec.VM))
	defer unlock()
	m.client.Inventory.Invalidate()
	p, err := m.PlanInPlace(ctx, spec)
	if err != nil {
		return nil, err
	}
	snap, err := m.client.Inventory.Get(ctx)
	if err != nil {
		return nil, err
	}
	v, err := snap.FindVM("uuid", spec.VM, spec.Datacenter)
	if err != nil {
		return nil, vmErr(spec.VM, err)
	}
	dc, err := snap.FindDatacenter(v.Datacenter)
	if err != nil {
		return nil, err
	}
	res := &InPlaceResult{Plan: p}
	err = m.client.Pool.WithSession(ctx, func(ctx context.Context, s *esxi.Session) error {
		ip := &inPlace{m: m, s: s, spec: spec, p: p, v: v, snap: snap, st: newStore(s, dc, snap, &m.requests), res: res}
		return ip.run(ctx)
	})
	m.client.Inventory.Invalidate()
	return res, err
}

// inPlace is one restore over a VM.
type inPlace struct {
	m    *Manager
	s    *esxi.Session
	spec InPlace
	p    *InPlacePlan
	v    esxi.VM
	snap *esxi.Snapshot
	st   *store
	res  *InPlaceResult
	made []string // new disk files so far
}

func (ip *inPlace) run(ctx context.Context) error {
	vmo := object.NewVirtualMachine(ip.s.Client, ip.p.ref)
	var o mo.VirtualMachine
	if err := vmo.Properties(ctx, ip.p.ref, []string{"runtime.powerState", "snapshot", "config.changeVersion", "config.uuid", "config.instanceUuid"}, &o); err != nil {
		return esxi.Wrap("read VM "+ip.p.VMName, err)
	}
	if o.Snapshot != nil && len(o.Snapshot.RootSnapshotList) > 0 {
		return fieldErr("vm", "VM Has Snapshots",
			"VM %s has snapshots; its disks are snapshot chains a restore cannot replace. Remove the snapshots (ceso_snapshot or the host client) and apply again.", ip.p.VMName)
	}
	if !ip.spec.KeepIdentity {
		if other, ok := ip.snap.VMByUUID(ip.p.Manifest.VM.UUID); ok && other.Ref != ip.p.ref {
			return fieldErr("keep_identity", "Identity In Use",
				"keep_identity = false would give VM %s the instance UUID %s, which VM %s has; two VMs with one UUID confuse every tool that finds VMs by it. Keep the identity, or remove the other VM first.",
				ip.p.VMName, ip.p.Manifest.VM.UUID, other.Name)
		}
	}
	wasOn := o.Runtime.PowerState == types.VirtualMachinePowerStatePoweredOn
	if o.Runtime.PowerState != types.VirtualMachinePowerStatePoweredOff {
		if !ip.spec.PowerOff {
			return fieldErr("power_off", "VM Is Not Powered Off",
				"VM %s is %s; a restore replaces its disks, which a running VM holds open. Shut the guest down first, or set power_off = true to power it off (hard) for the restore and on again after.",
				ip.p.VMName, o.Runtime.PowerState)
		}
		task, err := vmo.PowerOff(ctx)
		if _, err := esxi.WaitTask(ctx, "power off VM "+ip.p.VMName+" for the restore", task, err); err != nil {
			return err
		}
	}
	// The VM runs again after the restore, and after a failure too: it
	// then has its old disks, as before.
	powerOn := func(ctx context.Context, what string) {
		if !wasOn {
			return
		}
		task, err := vmo.PowerOn(ctx)
		if _, err := esxi.WaitTask(ctx, "power on VM "+ip.p.VMName+" "+what, task, err); err != nil {
			ip.res.Warnings = append(ip.res.Warnings, fmt.Sprintf("powering VM %s on again %s failed: %v", ip.p.VMName, what, err))
		}
	}
	if err := ip.copyAll(ctx); err != nil {
		ip.undo(ctx)
		powerOn(context.WithoutCancel(ctx), "after the failed restore")
		return err
	}
	if err := ip.switchDisks(ctx, vmo, o.Config.ChangeVersion); err != nil {
		ip.undo(ctx)
		powerOn(context.WithoutCancel(ctx), "after the failed restore")
		return err
	}
	ip.removeOld(ctx)
	powerOn(ctx, "after the restore")
	return nil
}

// copyAll copies the backup's disks into the VM's folder under new names
// and makes the left-out ones empty.
func (ip *inPlace) copyAll(ctx context.Context) error {
	home, err := ParseLocation(ip.p.vmx)
	if err != nil {
		return err
	}
	dir := home.Parent()
	base := folderName(ip.p.VMName) + "-restore-" + NewID(ip.m.now())
	vdm := object.NewVirtualDiskManager(ip.s.Client)
	for i := range ip.p.swaps {
		sw := &ip.p.swaps[i]
		name := base + ".vmdk"
		if i > 0 {
			name = fmt.Sprintf("%s_%d.vmdk", base, i)
		}
		sw.dst = dir.Join(name).String()
		if sw.from == "" {
			spec := &types.FileBackedVirtualDiskSpec{CapacityKb: sw.capKB, VirtualDiskSpec: types.VirtualDiskSpec{
				DiskType: esxi.DiskType(orThin(sw.prov)), AdapterType: string(types.VirtualDiskAdapterTypeLsiLogic)}}
			task, err := vdm.CreateVirtualDisk(ctx, sw.dst, ip.st.dco(), spec)
			ip.made = append(ip.made, sw.dst)
			if _, err := esxi.WaitOrCancel(ctx, "create the empty disk "+sw.dst+" for "+sw.label, task, err); err != nil {
				return err
			}
			continue
		}
		dst, err := ParseLocation(sw.dst)
		if err != nil {
			return err
		}
		ip.made = append(ip.made, sw.dst)
		if err := ip.st.copyDisk(ctx, sw.from, dst, orThin(sw.prov), sw.family); err != nil {
			return err
		}
	}
	ip.res.Disks = append([]string(nil), ip.made...)
	return nil
}

func orThin(p string) string {
	if p == "" {
		return FormatThin
	}
	return p
}

// switchDisks points the VM at the new disks in one reconfigure, with the
// manifest's hardware and, unless KeepIdentity, its identity.
func (ip *inPlace) switchDisks(ctx context.Context, vmo *object.VirtualMachine, changeVersion string) error {
	info := ip.p.Manifest.VM
	cs := types.VirtualMachineConfigSpec{ChangeVersion: changeVersion, NumCPUs: info.CPUs, NumCoresPerSocket: coresPtr(info.CoresPerSocket), MemoryMB: int64(info.MemoryMB)}
	dsRef := func(p string) *types.ManagedObjectReference {
		if l, err := ParseLocation(p); err == nil {
			if ds, err := ip.snap.FindDatastore(l.Datastore, ip.v.Datacenter); err == nil {
				return &ds.Ref
			}
		}
		return nil
	}
	key := int32(-700)
	for _, sw := range ip.p.swaps {
		backing := &types.VirtualDiskFlatVer2BackingInfo{
			VirtualDeviceFileBackingInfo: types.VirtualDeviceFileBackingInfo{FileName: sw.dst, Datastore: dsRef(sw.dst)},
			DiskMode:                     sw.mode,
			ThinProvisioned:              types.NewBool(orThin(sw.prov) == FormatThin),
			EagerlyScrub:                 types.NewBool(sw.prov == FormatEagerZeroed),
		}
		if sw.old != nil {
			// The old device goes and a new one takes its slot: an edit
			// cannot change a disk's backing file.
			cs.DeviceChange = append(cs.DeviceChange, &types.VirtualDeviceConfigSpec{Operation: types.VirtualDeviceConfigSpecOperationRemove, Device: sw.old})
		}
		key--
		cs.DeviceChange = append(cs.DeviceChange, &types.VirtualDeviceConfigSpec{Operation: types.VirtualDeviceConfigSpecOperationAdd, Device: &types.VirtualDisk{
			VirtualDevice: types.VirtualDevice{Key: key, ControllerKey: sw.ctrlKey, UnitNumber: types.NewInt32(sw.unit), Backing: backing},
			CapacityInKB:  sw.capKB, CapacityInBytes: sw.capKB * 1024,
		}})
	}
	if !ip.spec.KeepIdentity {
		cs.Uuid, cs.InstanceUuid = info.BIOSUUID, info.UUID
		ip.setMACs(&cs)
	}
	task, err := vmo.Reconfigure(ctx, cs)
	_, err = esxi.WaitTask(ctx, "switch VM "+ip.p.VMName+" to the restored disks", task, err)
	return err
}

// setMACs gives the VM's adapters the backed-up ones' MAC addresses, in
// device order, when both have as many adapters; else a warning says none
// changed.
func (ip *inPlace) setMACs(cs *types.VirtualMachineConfigSpec) {
	var cards []types.BaseVirtualDevice
	for _, d := range ip.p.devices {
		if _, ok := d.(types.BaseVirtualEthernetCard); ok {
			cards = append(cards, d)
		}
	}
	nics := ip.p.Manifest.VM.NICs
	if len(cards) != len(nics) {
		ip.res.Warnings = append(ip.res.Warnings, fmt.Sprintf("VM %s has %d network adapters and the backup %d, so their MAC addresses were kept; set them in ceso_vm if needed.", ip.p.VMName, len(cards), len(nics)))
		return
	}
	for i, d := range cards {
		if nics[i].MAC == "" {
			continue
		}
		c := d.(types.BaseVirtualEthernetCard).GetVirtualEthernetCard() //nolint:forcetypeassert // filtered above
		c.AddressType, c.MacAddress = string(types.VirtualEthernetCardMacTypeManual), nics[i].MAC
		cs.DeviceChange = append(cs.DeviceChange, &types.VirtualDeviceConfigSpec{Operation: types.VirtualDeviceConfigSpecOperationEdit, Device: d})
	}
}

// undo deletes the new copies after a failure before the switch; the VM
// still uses its old disks.
func (ip *inPlace) undo(ctx context.Context) {
	ctx = context.WithoutCancel(ctx)
	vdm := object.NewVirtualDiskManager(ip.s.Client)
	for _, f := range ip.made {
		task, err := vdm.DeleteVirtualDisk(ctx, f, ip.st.dco())
		if _, err := esxi.WaitTask(ctx, "delete the restored copy "+f, task, err); err != nil && esxi.KindOf(err) != esxi.KindNotFound {
			ip.res.Warnings = append(ip.res.Warnings, fmt.Sprintf("the restore failed and removing its copy %s failed too (%v); delete it by hand, the VM does not use it", f, err))
		}
	}
	ip.res.Disks = nil
}

// removeOld deletes the disk files the VM used before; a failure is a
// warning, the restore itself succeeded.
func (ip *inPlace) removeOld(ctx context.Context) {
	vdm := object.NewVirtualDiskManager(ip.s.Client)
	for _, sw := range ip.p.swaps {
		if sw.old == nil || sw.oldFile == "" || sw.oldFile == sw.dst || strings.HasPrefix(sw.oldFile, ip.p.Manifest.Dir+"/") {
			continue
		}
		task, err := vdm.DeleteVirtualDisk(ctx, sw.oldFile, ip.st.dco())
		if _, err := esxi.WaitTask(ctx, "delete the old disk "+sw.oldFile, task, err); err != nil && esxi.KindOf(err) != esxi.KindNotFound {
			ip.res.Warnings = append(ip.res.Warnings, fmt.Sprintf("VM %s now uses the restored disks, but deleting its old disk %s failed (%v); delete it by hand.", ip.p.VMName, sw.oldFile, err))
			continue
		}
		ip.res.Removed = append(ip.res.Removed, sw.oldFile)
	}
}

func coresPtr(n int32) *int32 {
	if n <= 0 {
		return nil
	}
	return types.NewInt32(n)
}
