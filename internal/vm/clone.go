package vm

import (
	"context"
	"strings"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/esxi"
)

// clone makes the VM from the template with CloneVM_Task (vCenter).
func (c *creation) clone(ctx context.Context, layout *sourceLayout, jobs []*copyJob) error {
	s, t := c.spec, c.tmpl
	cfg := &types.VirtualMachineConfigSpec{ExtraConfig: c.marker()}
	// Nothing of ceso's bookkeeping or guest configuration comes along from
	// the template: the new VM gets only what its spec says.
	for k := range t.ExtraConfig {
		if k == KeyTemplate || k == KeyManagedKeys || k == KeyKeepOnRemove || strings.HasPrefix(k, "guestinfo.") {
			cfg.ExtraConfig = append(cfg.ExtraConfig, opt(k, ""))
		}
	}
	cs := types.VirtualMachineCloneSpec{
		Location: types.VirtualMachineRelocateSpec{Pool: &c.pl.pool, Host: c.pl.host, Datastore: &c.pl.datastore.Ref},
		Config:   cfg,
	}
	for _, j := range jobs {
		if j.ds.Ref == c.pl.datastore.Ref && j.prov == j.src.provisioning() {
			continue
		}
		cs.Location.Disk = append(cs.Location.Disk, types.VirtualMachineRelocateSpecDiskLocator{
			DiskId: j.src.dev.Key, Datastore: j.ds.Ref,
			DiskBackingInfo: &types.VirtualDiskFlatVer2BackingInfo{
				DiskMode:        string(types.VirtualDiskModePersistent),
				ThinProvisioned: types.NewBool(j.prov == ProvisionThin), EagerlyScrub: types.NewBool(j.prov == ProvisionEagerZeroed),
			},
		})
	}
	if s.LinkedClone {
		snapRef, err := layout.snapshotRef(s.CloneSnapshot)
		if err != nil {
			return err
		}
		cs.Snapshot = snapRef
		cs.Location.DiskMoveType = string(types.VirtualMachineRelocateDiskMoveOptionsCreateNewChildDiskBacking)
		cs.Location.Disk = nil
	}
	return c.m.write(ctx, func(ctx context.Context, ss *esxi.Session) error {
		src := object.NewVirtualMachine(ss.Client, t.Ref)
		task, err := src.Clone(ctx, object.NewFolder(ss.Client, c.pl.folder), s.Name, cs)
		info, err := esxi.WaitOrCancel(ctx, "clone "+t.Name+" to "+s.Name, task, err)
		if info != nil {
			if ref, ok := info.Result.(types.ManagedObjectReference); ok {
				c.ref = ref
			}
		}
		return createErr(err, s.Name)
	})
}
