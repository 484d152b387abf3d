package vm

import (
	"context"

	"github.com/vmware/govmomi/vim25/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/esxi"
)

// checkSpace compares the datastores' free space with what the disks to
// copy and create need, before anything is made. Thin disks need what their
// source uses; thick ones their full size.
//
// The free space is read as it is now (a write of this run may have used
// some since snap was read): from the template's read, or with one read of
// the datastores concerned when nothing was read with the template.
func (c *creation) checkSpace(ctx context.Context, snap *esxi.Snapshot, jobs []*copyJob, layout *sourceLayout) error {
	need := map[types.ManagedObjectReference]int64{}
	field := map[types.ManagedObjectReference][2]any{}
	blame := func(ds esxi.Datastore, decl int) {
		if _, ok := field[ds.Ref]; !ok {
			if decl >= 0 && c.spec.Disks[decl].Datastore != "" {
				field[ds.Ref] = [2]any{"disk", decl}
			} else {
				field[ds.Ref] = [2]any{"datastore", -1}
			}
		}
	}
	if !c.spec.LinkedClone {
		for _, j := range jobs {
			n := j.sizeKB * 1024
			if j.prov == ProvisionThin {
				n = min(layout.used(j.src.dev.Key), j.sizeKB*1024)
			}
			need[j.ds.Ref] += n
			blame(j.ds, j.decl)
		}
	}
	covered := map[int]bool{}
	for _, j := range jobs {
		covered[j.decl] = true
	}
	for i, d := range c.spec.Disks {
		if covered[i] || orDefault(d.Provisioning, ProvisionThin) == ProvisionThin {
			continue
		}
		ds := c.pl.datastore
		if d.Datastore != "" {
			x, err := snap.FindDatastore(d.Datastore, c.pl.dc.Name)
			if err != nil {
				e := lookupFieldErr("disk", "Datastore", err)
				e.Index, e.Sub = i, "datastore"
				return e
			}
			ds = x
		}
		need[ds.Ref] += d.SizeGiB * gib
		blame(ds, i)
	}
	var stale []types.ManagedObjectReference
	for r, n := range need {
		if _, ok := c.free[r]; !ok && n > 0 {
			stale = append(stale, r)
		}
	}
	if len(stale) > 0 {
		objs, err := c.m.client.Inventory.ReadObjects(ctx, snap, nil, nil, stale)
		if err != nil {
			return err
		}
		if c.free == nil {
			c.free = map[types.ManagedObjectReference]esxi.Datastore{}
		}
		for _, d := range objs.Datastores {
			c.free[d.Ref] = d
		}
	}
	for _, ds := range snap.Datastores {
		if now, ok := c.free[ds.Ref]; ok {
			ds = now
		}
		if n := need[ds.Ref]; n > 0 && n > ds.FreeSpace {
			f := field[ds.Ref]
			if f[0] == "disk" {
				i, _ := f[1].(int) // blame records the disk's index here
				return insufficientSpace("disk", i, ds, n)
			}
			e := insufficientSpace("datastore", -1, ds, n)
			return e
		}
	}
	return nil
}
