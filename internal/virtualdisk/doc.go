// Package virtualdisk is the domain logic of ceso_virtual_disk: a VMDK on
// a datastore that belongs to no VM, made and grown through the
// VirtualDiskManager, so it outlives the VMs that use it. It holds no
// Terraform types; the provider package translates.
//
// A disk is identified by its datastore path. Its size is read back from
// its descriptor, so a disk grown or replaced behind Terraform's back shows
// in the plan.
package virtualdisk
