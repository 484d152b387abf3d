package backup

import (
	"context"

	"github.com/esxi-commander/terraform-provider-ceso/internal/esxi"
)

// CheckDestination checks at plan time what Backup would refuse about a
// destination: its form, and a datastore that exists in the VM's
// datacenter and is accessible. A typo then fails the plan, with the
// closest datastore names, instead of the apply. vmUUID may be empty (a VM
// created by the same apply): every datacenter is searched then.
func (m *Manager) CheckDestination(ctx context.Context, vmUUID, destination string) error {
	dest, err := ParseLocation(destination)
	if err != nil {
		return err
	}
	snap, err := m.client.Inventory.Get(ctx)
	if err != nil {
		return err
	}
	dc := ""
	if vmUUID != "" {
		if v, err := snap.FindVM("uuid", vmUUID, ""); err == nil {
			dc = v.Datacenter
		}
	}
	_, err = destinationDatastore(snap, dest, dc)
	return err
}

// destinationDatastore finds the datastore of a destination, the same way
// at plan and at apply.
func destinationDatastore(snap *esxi.Snapshot, dest Location, datacenter string) (esxi.Datastore, error) {
	ds, err := snap.FindDatastore(dest.Datastore, datacenter)
	if err != nil {
		return ds, &FieldError{Field: "destination", Summary: "Datastore Not Found", Detail: err.Error(), Err: err}
	}
	if !ds.Accessible {
		return ds, fieldErr("destination", "Datastore Not Accessible", "datastore %s is not accessible from its hosts; check its storage connection.", ds.Name)
	}
	return ds, nil
}
