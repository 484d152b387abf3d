package vm

import (
	"context"

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
	snap, err := m.snapshot(ctx)
	if err != nil {
		return err
	}
	var tmpl *esxi.VM
	if spec.Template != "" {
		if tmpl, err = resolveVM(snap, spec.Template, spec.Datacenter); err != nil {
			return templateErr(snap, spec.Template, err)
		}
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
	// A VM ceso did not make, and a complete one another state holds, are
	// refused now: no grant makes taking them over right, so the plan says
	// so instead of promising an apply that fails. The VM a replacement
	// deletes first (spec.Replaces) is not in the way. An incomplete VM is
	// decided at apply: its lease and the host's tasks change meanwhile.
	for _, l := range sameTarget(snap, spec.Name, pl.folderPath) {
		refused := l.Action == LeftoverForeign || l.Action == LeftoverReady
		if refused && (spec.Replaces == "" || l.VM.UUID != spec.Replaces) {
			return l.refusal(false)
		}
	}
	return nil
}
