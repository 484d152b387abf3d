package vm

import (
	"context"
	"strings"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/esxi"
)

// move is a change of the VM's placement that RelocateVM_Task makes in
// place: another datastore for its files (Storage vMotion), another host
// (vMotion) or resource pool. Only vCenter relocates; a standalone host
// cannot, so there the caller replaces the VM instead.
type move struct {
	spec    types.VirtualMachineRelocateSpec
	changes []string // the attributes that change: datastore, host, resource_pool
}

// relocation compares the spec's datastore, host and resource pool with
// where the VM is. Empty fields leave the VM where it is.
func relocation(snap *esxi.Snapshot, v *esxi.VM, s *Spec) (*move, error) {
	mv := &move{}
	if s.Datastore != "" {
		ds, err := snap.FindDatastore(s.Datastore, v.Datacenter)
		if err != nil {
			return nil, lookupFieldErr("datastore", "Datastore", err)
		}
		if cur, _ := datastoreDir(v.VMXPath); ds.Name != cur {
			mv.spec.Datastore = &ds.Ref
			mv.changes = append(mv.changes, "datastore")
			// Disks on other datastores than the VM's own stay where they
			// are: only the VM's home moves. So do attached disks (outside
			// the VM's folder): without a locator vCenter would move a
			// shared disk into the VM's folder on the target.
			_, vmDir := datastoreDir(v.VMXPath)
			for _, d := range disks(v.Devices) {
				if d.datastore != "" && (d.datastore != cur || outsideFolder(vmDir, d.file)) {
					if x, err := snap.FindDatastore(d.datastore, v.Datacenter); err == nil {
						mv.spec.Disk = append(mv.spec.Disk, types.VirtualMachineRelocateSpecDiskLocator{DiskId: d.dev.Key, Datastore: x.Ref})
					}
				}
			}
		}
	}
	if s.Host != "" {
		h, err := snap.FindHost(s.Host, v.Datacenter)
		if err != nil {
			return nil, lookupFieldErr("host", "Host", err)
		}
		if h.Ref != v.HostRef {
			ref := h.Ref
			mv.spec.Host = &ref
			mv.changes = append(mv.changes, "host")
		}
	}
	if s.ResourcePool != "" {
		var found []esxi.ResourcePool
		for _, rp := range snap.ResourcePools {
			if rp.Datacenter == v.Datacenter && (rp.Path == s.ResourcePool || rp.Name == s.ResourcePool) {
				found = append(found, rp)
			}
		}
		if len(found) != 1 {
			le := &esxi.LookupError{What: "resource pool", By: "name", Value: s.ResourcePool}
			for _, rp := range found {
				le.Candidates = append(le.Candidates, rp.Path)
			}
			return nil, lookupFieldErr("resource_pool", "Resource pool", le)
		}
		if found[0].Ref != v.ResourcePool {
			ref := found[0].Ref
			mv.spec.Pool = &ref
			mv.changes = append(mv.changes, "resource_pool")
		}
	}
	if len(mv.changes) == 0 {
		return nil, nil
	}
	return mv, nil
}

// relocate runs RelocateVM_Task; a give-up cancels it on the host.
func (m *Manager) relocate(ctx context.Context, v *esxi.VM, mv *move) error {
	if !m.vcenter() {
		return fieldErr(mv.changes[0], "Standalone Host Cannot Move VMs",
			"changing %s moves VM %s, which only vCenter can do (RelocateVM_Task); on a standalone ESXi host the VM is replaced instead.",
			strings.Join(mv.changes, ", "), v.Name)
	}
	return m.write(ctx, func(ctx context.Context, s *esxi.Session) error {
		task, err := object.NewVirtualMachine(s.Client, v.Ref).Relocate(ctx, mv.spec, types.VirtualMachineMovePriorityDefaultPriority)
		_, err = esxi.WaitOrCancel(ctx, "move VM "+v.Name+" ("+strings.Join(mv.changes, ", ")+")", task, err)
		return err
	})
}
