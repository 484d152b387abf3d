package vm_test

import (
	"testing"

	"github.com/esxi-commander/terraform-provider-ceso/internal/esxi"
	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
	"github.com/esxi-commander/terraform-provider-ceso/internal/vm"
)

// A vCenter whose datacenter sits in a folder, with its datastore in a
// datastore cluster and a vApp in its cluster: the inventory gives every
// object its real path, VMs go to the datacenter's own VM folder or a
// folder relative to it, and the provider's datacenter reaches the create.
func TestVCenterLayouts(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simhost.Options{VCenter: true, DatacenterFolders: 1, DatastoreClusters: 1, VApps: 1})
	if err := e.host.MoveIntoStoragePod(e.ctx, "/F0/DC0/datastore/F0/LocalDS_0", "/F0/DC0/datastore/DC0_POD0"); err != nil {
		t.Fatal(err)
	}
	e.c.Inventory.Invalidate()
	snap, err := e.c.Inventory.Get(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if dc, err := snap.FindDatacenter("DC0"); err != nil || dc.Path != "/F0/DC0" {
		t.Errorf("datacenter = %+v, %v; want it at /F0/DC0", dc, err)
	}
	if ds, err := snap.FindDatastore("LocalDS_0", "DC0"); err != nil || ds.Path != "/F0/DC0/datastore/DC0_POD0/LocalDS_0" {
		t.Errorf("datastore in the datastore cluster = %+v, %v", ds, err)
	}
	var vapp *esxi.ResourcePool
	for i, rp := range snap.ResourcePools {
		if rp.VApp {
			vapp = &snap.ResourcePools[i]
		}
	}
	if vapp == nil || vapp.Datacenter != "DC0" || vapp.Path != "/F0/DC0/host/F0/DC0_C0/Resources/DC0_C0_APP0" {
		t.Errorf("vApp = %+v; want it indexed with its path", vapp)
	}
	for _, v := range snap.VMs {
		if v.Datacenter != "DC0" {
			t.Errorf("VM %s has datacenter %q, want DC0 (a vApp's VM included)", v.Path, v.Datacenter)
		}
	}

	e.m.DefaultDatacenter = "DC0"
	plain := e.create(vm.Spec{Name: "plain", Template: simhost.TemplateName, Power: vm.PowerOff}, vm.Options{})
	if plain.Path != "/F0/DC0/vm/plain" || plain.Folder != "/F0/DC0/vm" || plain.Datastore != "LocalDS_0" {
		t.Errorf("VM in the default folder = path %s folder %s datastore %s", plain.Path, plain.Folder, plain.Datastore)
	}
	rel := e.create(vm.Spec{Name: "rel", Template: simhost.TemplateName, Folder: "F0", Power: vm.PowerOff}, vm.Options{})
	if rel.Path != "/F0/DC0/vm/F0/rel" {
		t.Errorf("VM in a relative folder = %s, want /F0/DC0/vm/F0/rel", rel.Path)
	}
	// The same create again finds the VM where it went: never a second one.
	if _, err := e.m.Create(e.ctx, vm.Spec{Name: "rel", Template: simhost.TemplateName, Folder: "F0", Power: vm.PowerOff}, vm.Options{}); err == nil {
		t.Error("a second create of the same VM succeeded")
	}

	// The provider's datacenter reaches the create: a wrong one is refused.
	e.m.DefaultDatacenter = "DC9"
	_, err = e.m.Create(e.ctx, vm.Spec{Name: "elsewhere", Power: vm.PowerOff}, vm.Options{})
	if fes := vm.FieldErrors(err); len(fes) == 0 || fes[0].Field != "datacenter" {
		t.Errorf("create with the provider's datacenter DC9 = %v, want a datacenter error", err)
	}
	for _, uuid := range []string{plain.UUID, rel.UUID} {
		if _, err := e.m.Delete(e.ctx, uuid); err != nil {
			t.Error(err)
		}
	}
}
