package simhost

import (
	"context"
	"fmt"

	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/vim25/types"
)

// MoveIntoStoragePod moves a datastore (an inventory path) into a datastore
// cluster (an inventory path), as an administrator setting up Storage DRS
// does: the datastore's path then runs through the StoragePod.
func (h *Host) MoveIntoStoragePod(ctx context.Context, datastore, pod string) error {
	c, err := h.Client(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = c.Logout(ctx) }()
	f := find.NewFinder(c.Client, true)
	d, err := f.Datastore(ctx, datastore)
	if err != nil {
		return err
	}
	p, err := f.Folder(ctx, pod)
	if err != nil {
		return err
	}
	task, err := p.MoveInto(ctx, []types.ManagedObjectReference{d.Reference()})
	if err == nil {
		err = task.Wait(ctx)
	}
	if err != nil {
		return fmt.Errorf("move %s into %s: %w", datastore, pod, err)
	}
	return nil
}
