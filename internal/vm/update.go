package vm

import (
	"context"
	"fmt"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/esxi"
)

// PlanUpdate says what Update(uuid, spec) would change, from the shared
// inventory read and without touching the host. Errors are the ones Update
// would return before changing anything (*FieldError for a shrink, a
// firmware change, ...).
func (m *Manager) PlanUpdate(ctx context.Context, uuid string, spec Spec) (*UpdatePlan, error) {
	if err := Validate(&spec); err != nil {
		return nil, err
	}
	snap, err := m.snapshot(ctx)
	if err != nil {
		return nil, err
	}
	v, err := findByUUID(snap, uuid)
	if err != nil {
		return nil, err
	}
	attach, err := m.checkAttach(ctx, snap, &spec, v, v.Datacenter)
	if err != nil {
		return nil, err
	}
	p, err := (&planner{s: &spec, v: view{vm: v, devices: v.Devices}, snap: snap, attach: attach,
		backing: func(n esxi.Network) (types.BaseVirtualDeviceBackingInfo, error) { return plainBacking(n), nil },
		vcenter: m.vcenter(), hostPCI: hostPCILoader(m.pooled(ctx), snap, v.HostRef), keyProvider: m.keyProviderCheck(m.pooled(ctx))}).run()
	if err != nil {
		return nil, err
	}
	up := &UpdatePlan{Changes: p.changes, Disks: p.disks, NICs: p.nics}
	switch {
	case p.empty():
	case powerWord(v.PowerState) == PowerSuspended:
		up.NeedsPowerOff = p.changes
	case powerWord(v.PowerState) == PowerOn:
		up.NeedsPowerOff = p.cold
	}
	if want := orDefault(spec.Power, PowerOn); want != powerWord(v.PowerState) {
		up.PowerChange = want
	}
	if _, moved, err := folderMove(snap, v, &spec); err != nil {
		return nil, err
	} else if moved {
		up.Changes = append(up.Changes, "folder")
	}
	mv, err := relocation(snap, v, &spec)
	if err != nil {
		return nil, err
	}
	if mv != nil {
		up.Changes = append(up.Changes, mv.changes...)
	}
	for _, d := range p.deleted {
		up.DeletesDisks = append(up.DeletesDisks, d.file)
	}
	for _, d := range p.kept {
		up.KeepsDisks = append(up.KeepsDisks, d.file)
	}
	for _, d := range p.detach {
		up.DetachesDisks = append(up.DetachesDisks, d.file)
	}
	up.NoChange = len(up.Changes) == 0 && up.PowerChange == ""
	return up, nil
}

// Update changes the VM in place to match spec: rename, CPU and memory
// (hot when hot-add allows, else with a power cycle if
// Options.AllowPowerCycle, else *PowerCycleNeededError before any change),
// disks (grow, add, remove; never shrink), adapters, CD-ROM, guestinfo and
// extra config, folder, power state, and on vCenter the datastore, host and
// resource pool (RelocateVM_Task, which a give-up cancels). spec.Template,
// the datacenter and the cluster are not compared: they only matter at
// create.
//
// Disks and NICs are matched to the VM's devices by identity (slot, MAC);
// see Spec.Disks and Spec.NICs.
func (m *Manager) Update(ctx context.Context, uuid string, spec Spec, opts Options) (*Result, error) {
	if err := Validate(&spec); err != nil {
		return nil, err
	}
	if err := m.client.CheckWritable(); err != nil {
		return nil, err
	}
	snap, err := m.fresh(ctx)
	if err != nil {
		return nil, err
	}
	v, err := findByUUID(snap, uuid)
	if err != nil {
		return nil, err
	}
	res := &Result{}
	err = m.converge(ctx, snap, v, &spec, opts, res)
	return m.finish(ctx, uuid, spelling(&spec), res, err)
}

// converge brings an existing VM to spec (Update, and Create adopting a VM).
func (m *Manager) converge(ctx context.Context, snap *esxi.Snapshot, v *esxi.VM, s *Spec, opts Options, res *Result) error {
	folder, moveFolder, err := folderMove(snap, v, s)
	if err != nil {
		return err
	}
	mv, err := relocation(snap, v, s)
	if err != nil {
		return err
	}
	attach, err := m.checkAttach(ctx, snap, s, v, v.Datacenter)
	if err != nil {
		return err
	}
	var p *plan
	err = m.client.Pool.WithSession(ctx, func(ctx context.Context, ss *esxi.Session) error {
		var err error
		p, err = (&planner{s: s, v: view{vm: v, devices: v.Devices}, snap: snap, attach: attach, backing: backingFunc(ctx, ss),
			vcenter: m.vcenter(), hostPCI: hostPCILoader(inSession(ctx, ss), snap, v.HostRef), keyProvider: m.keyProviderCheck(inSession(ctx, ss))}).run()
		return err
	})
	if err != nil {
		return err
	}
	want := orDefault(s.Power, PowerOn)
	if powerWord(v.PowerState) == PowerSuspended && !p.empty() {
		// A suspended VM takes no reconfigure: every change needs it off.
		p.cold = p.changes
	}
	if !p.empty() && len(p.cold) > 0 && powerWord(v.PowerState) != PowerOff {
		if want != PowerOff && !opts.AllowPowerCycle {
			return &PowerCycleNeededError{VM: v.Name, Changes: p.cold}
		}
		if err := m.shutdown(ctx, v, opts, res); err != nil {
			return err
		}
		res.PowerCycled = want != PowerOff
	}
	if !p.empty() {
		err := m.write(ctx, func(ctx context.Context, ss *esxi.Session) error {
			if p.upgrade > 0 {
				task, err := object.NewVirtualMachine(ss.Client, v.Ref).UpgradeVM(ctx, fmt.Sprintf("vmx-%02d", p.upgrade))
				if _, err := esxi.WaitTask(ctx, "upgrade the hardware of VM "+v.Name, task, err); err != nil {
					return err
				}
			}
			if err := reconfigure(ctx, ss, v, p.spec); err != nil {
				return err
			}
			for _, d := range p.deleted {
				res.DeletedDisks = append(res.DeletedDisks, d.file)
			}
			for _, d := range p.detach {
				res.DetachedDisks = append(res.DetachedDisks, d.file)
			}
			_, vmDir := datastoreDir(v.VMXPath)
			dc := datacenterOf(snap, v)
			for _, d := range p.kept {
				dst, err := moveKept(ctx, ss, dc, d, vmDir)
				if err != nil {
					return fmt.Errorf("disk %s was detached and kept, but moving it out of the VM's folder failed (move it yourself before deleting the VM): %w", d.file, err)
				}
				res.KeptDisks = append(res.KeptDisks, dst)
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	if moveFolder {
		err := m.write(ctx, func(ctx context.Context, ss *esxi.Session) error {
			task, err := object.NewFolder(ss.Client, folder.Ref).MoveInto(ctx, []types.ManagedObjectReference{v.Ref})
			_, err = esxi.WaitTask(ctx, "move VM "+v.Name+" to "+folder.Path, task, err)
			return err
		})
		if err != nil {
			return err
		}
	}
	if mv != nil {
		if err := m.relocate(ctx, v, mv); err != nil {
			return err
		}
	}
	snap, err = m.fresh(ctx)
	if err != nil {
		return err
	}
	if v, err = findByUUID(snap, v.UUID); err != nil {
		return err
	}
	return m.powerAndWait(ctx, v, s, opts, res)
}

// folderMove returns the folder the spec moves the VM to, if it does.
func folderMove(snap *esxi.Snapshot, v *esxi.VM, s *Spec) (esxi.Folder, bool, error) {
	if s.Folder == "" {
		return esxi.Folder{}, false, nil
	}
	f, err := snap.FindFolder(s.Folder, v.Datacenter)
	if err != nil {
		return esxi.Folder{}, false, lookupFieldErr("folder", "Folder", err)
	}
	return f, f.Path != v.Folder, nil
}

func datacenterOf(snap *esxi.Snapshot, v *esxi.VM) *types.ManagedObjectReference {
	for _, d := range snap.Datacenters {
		if d.Name == v.Datacenter {
			ref := d.Ref
			return &ref
		}
	}
	return nil
}
