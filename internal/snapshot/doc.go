// Package snapshot is the domain logic of ceso_snapshot: create a named
// snapshot of a VM, read it back from the shared inventory, rename it,
// revert the VM to it, and remove it with its disks consolidated. It holds
// no Terraform types; the provider package translates.
//
// A snapshot is identified by its VM's instance UUID and the snapshot's id
// in the VM's snapshot tree (VirtualMachineSnapshotTree.id), which the host
// never reuses for the life of the VM. Names are not unique on a host, so
// a name is only ever used to find a snapshot on import, and only when it
// is unambiguous.
package snapshot
