package vm

import (
	"context"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/esxi"
)

// PlanCreate checks, from the shared inventory read and without touching
// the host, what Create(spec) would refuse before making anything: the
// template, the placement (datacenter, folder, cluster, resource pool,
// host, datastore), the networks and disk datastores the spec names, and a
// VM of the same name that ceso did not create (*NameTakenError; other
// than spec.Replaces, the VM a replacement deletes first). The glue calls it at plan
// time, so a typo fails the plan instead of the apply.
//
// Errors are *FieldError (several joined), *NameTakenError, an *esxi.Error
// for a placement the host would refuse (every host in maintenance), or the
// failure to read the inventory. A restore's backup is checked at apply
// only (reading its manifest is not a plan-time read).
func (m *Manager) PlanCreate(ctx context.Context, spec Spec) error {
	m.withDefaults(&spec)
	if err := Validate(&spec); err != nil {
		return err
	}
	if spec.Backup != "" {
		return nil
	}
	vcenter := m.vcenter()
	// Before this process's first VM write (a plan, or the planning of an
	// apply) every check shares one whole read. Once writes have begun
	// (Terraform plans each resource again just before it creates it), a
	// whole read would be taken again after every create: then the checks
	// read only what the spec names (planAlone).
	snap, cached := m.client.Inventory.Current()
	if !cached && m.wrote.Load() {
		return m.planAlone(ctx, &spec, vcenter)
	}
	if !cached {
		var err error
		if snap, err = m.snapshot(ctx); err != nil {
			return err
		}
	}
	var tmpl *esxi.VM
	if spec.Template != "" {
		var err error
		if tmpl, err = resolveVM(snap, spec.Template, spec.Datacenter); err != nil {
			return templateErr(snap, spec.Template, err)
		}
		m.remember(spec.Datacenter, spec.Template, tmpl.Ref)
	}
	if spec.LinkedClone && !vcenter {
		return fieldErr("linked_clone", "Linked clones need vCenter", "a standalone ESXi host cannot make linked clones; ceso copies the template's disks there instead. Remove linked_clone.")
	}
	pl, err := resolvePlacement(snap, &spec, tmpl, vcenter)
	if err != nil {
		return err
	}
	if err := precheck(snap, &spec, tmpl, pl.dc.Name, vcenter); err != nil {
		return err
	}
	if err := m.planCreatePassthrough(ctx, &spec, tmpl, pl); err != nil {
		return err
	}
	if _, err := m.checkAttach(ctx, snap, &spec, nil, pl.dc.Name); err != nil {
		return err
	}
	return refuseAtPlan(sameTarget(snap, spec.Name, pl.folderPath), &spec)
}

// planAlone is PlanCreate's checks with reads of what the spec names only:
// the objects but the VMs (Infra), the template alone, and the VM of the
// spec's name in its folder, looked up by name (FindChild), never every VM.
// A spec that attaches existing disks reads every VM too, to name a VM that
// already has one of them.
func (m *Manager) planAlone(ctx context.Context, spec *Spec, vcenter bool) error {
	t := &target{}
	var err error
	if t.infra, err = m.client.Inventory.Infra(ctx); err != nil {
		return err
	}
	if spec.Template != "" {
		if err := m.source(ctx, t, spec.Template, spec.Datacenter); err != nil {
			return err
		}
	}
	if spec.LinkedClone && !vcenter {
		return fieldErr("linked_clone", "Linked clones need vCenter", "a standalone ESXi host cannot make linked clones; ceso copies the template's disks there instead. Remove linked_clone.")
	}
	pl, err := resolvePlacement(t.infra, spec, t.tmpl, vcenter)
	if err != nil {
		return err
	}
	if err := precheck(t.infra, spec, t.tmpl, pl.dc.Name, vcenter); err != nil {
		return err
	}
	if err := m.planCreatePassthrough(ctx, spec, t.tmpl, pl); err != nil {
		return err
	}
	users, err := m.attachView(ctx, t.infra, spec, m.snapshot)
	if err != nil {
		return err
	}
	if _, err := m.checkAttach(ctx, users, spec, nil, pl.dc.Name); err != nil {
		return err
	}
	var named *types.ManagedObjectReference
	err = m.client.Pool.WithSession(ctx, func(ctx context.Context, s *esxi.Session) error {
		ref, err := object.NewSearchIndex(s.Client).FindChild(ctx, pl.folder, spec.Name)
		if ref != nil {
			r := ref.Reference()
			named = &r
		}
		return err
	})
	if err != nil {
		return esxi.Wrap("look up VM "+spec.Name, err)
	}
	if named == nil || named.Type != "VirtualMachine" {
		return nil
	}
	objs, err := m.client.Inventory.ReadObjects(ctx, t.infra, []types.ManagedObjectReference{*named}, nil, nil)
	if err != nil {
		if esxi.KindOf(err) == esxi.KindNotFound {
			return nil // gone since
		}
		return err
	}
	return refuseAtPlan(sameTarget(&esxi.Snapshot{VMs: objs.VMs}, spec.Name, pl.folderPath), spec)
}

// refuseAtPlan refuses a VM ceso did not make, and a complete one another
// state holds: no grant makes taking them over right, so the plan says so
// instead of promising an apply that fails. The VM a replacement deletes
// first (spec.Replaces) is not in the way. An incomplete VM is decided at
// apply: its lease and the host's tasks change meanwhile.
func refuseAtPlan(ls []Leftover, spec *Spec) error {
	for _, l := range ls {
		refused := l.Action == LeftoverForeign || l.Action == LeftoverReady
		if refused && (spec.Replaces == "" || l.VM.UUID != spec.Replaces) {
			return l.refusal(false)
		}
	}
	return nil
}
