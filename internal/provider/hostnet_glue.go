package provider

import (
	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/esxi-commander/terraform-provider-ceso/internal/hostnet"
)

// planLeaving records that this plan destroys or replaces the VM.
func (d *providerData) planLeaving(vmName string) {
	if d != nil && vmName != "" {
		d.leaving.Store(vmName, true)
	}
}

// isLeaving reports whether this plan destroys or replaces the VM.
func (d *providerData) isLeaving(vmName string) bool {
	if d == nil {
		return false
	}
	_, ok := d.leaving.Load(vmName)
	return ok
}

// Kinds of objects a plan can create that later plans of the same run
// refer to by name.
const (
	arrivingVSwitch = "vswitch"
	arrivingNetwork = "network"
	arrivingDisk    = "disk" // a ceso_virtual_disk, by its path
)

// planArriving records that this plan creates the object.
func (d *providerData) planArriving(kind, name string) {
	if d != nil && name != "" {
		d.arriving.Store(kind+"/"+name, true)
	}
}

// isArriving reports whether this plan creates the object.
func (d *providerData) isArriving(kind, name string) bool {
	if d == nil {
		return false
	}
	_, ok := d.arriving.Load(kind + "/" + name)
	return ok
}

// hostNetworking returns the host networking domain API, or reports that
// no host is configured.
func (d *providerData) hostNetworking(diags *diag.Diagnostics, typeName string) hostnet.API {
	if d == nil || d.hostnet == nil {
		noHostConfigured(diags, typeName+" manages the networking of an ESXi host.")
		return nil
	}
	return d.hostnet
}
