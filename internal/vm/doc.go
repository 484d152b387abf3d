// Package vm is the domain logic of the ceso_vm resource: create (empty,
// from a template by disk copy on a standalone ESXi host or CloneVM_Task on
// vCenter), read, update in place, power, and delete, with plain Go values
// in and out and no Terraform types.
//
// The glue calls one Manager method per CRUD step:
//
//	Create(spec, opts)      -> Result{State, Replaced, ForcedPowerOff, ...}
//	Read(uuid, ReadOptions) -> VMState, or *NotFoundError (drop from state)
//	Lookup(id)              -> VMState for import (UUID, inventory path, moid or name)
//	PlanUpdate(uuid, spec)  -> UpdatePlan (plan-time warnings, guard action)
//	Update(uuid, spec, opts)
//	SetPower(uuid, power, opts), WaitForIP(uuid, timeout)
//	Delete(uuid)
//
// Errors the user can fix by editing the configuration are *FieldError
// (Path() names the attribute, e.g. "disk[1].size_gb"; FieldErrors unpacks
// several). Policy decisions are the caller's: a forced power-off is only
// done with Options.AllowForcedPowerOff (else errors.Is(err,
// ErrForcedPowerOffNeeded)) and a power cycle only with
// Options.AllowPowerCycle (else errors.Is(err, ErrPowerCycleNeeded)), so the
// guard can ask for an elevation and call again. Host faults are classified
// by esxi.Wrap (esxi.KindOf gives the kind, the message carries a hint).
//
// Every VM ceso creates carries a marker in its extra config from its first
// task on (ceso.managed, ceso.create-id, ceso.state = creating, set to ready
// by the final reconfigure), which makes Create idempotent across crashes.
// Reads come only from the shared batched inventory (esxi.Inventory); every
// write drops it afterwards.
package vm
