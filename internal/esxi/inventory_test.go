package esxi_test

import (
	"context"
	"sync"
	"testing"

	"github.com/esxi-commander/terraform-provider-ceso/internal/esxi"
	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
)

func TestConnectReadsFactsAndInventory(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		vcenter bool
		product string
	}{
		{"esx", false, "ESXi"},
		{"vpx", true, "vCenter Server"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := startHost(t, simhost.Options{VCenter: tc.vcenter, VMs: 3})
			ctx := context.Background()
			c, err := esxi.Connect(ctx, configFor(h))
			if err != nil {
				t.Fatalf("connect: %v", err)
			}
			defer c.Close(ctx)
			f := c.Facts()
			if f.Product != tc.product || f.IsVCenter != tc.vcenter || f.Version == "" {
				t.Fatalf("facts = %+v, want product %s", f, tc.product)
			}
			snap, err := c.Inventory.Get(ctx)
			if err != nil {
				t.Fatalf("inventory: %v", err)
			}
			var tmpl *esxi.VM
			for i := range snap.VMs {
				if snap.VMs[i].Name == simhost.TemplateName {
					tmpl = &snap.VMs[i]
				}
			}
			if tmpl == nil {
				t.Fatalf("template VM missing from %d VMs", len(snap.VMs))
			}
			if tmpl.UUID == "" || tmpl.Path == "" || tmpl.CPUs != 2 || tmpl.MemoryMB != 2048 {
				t.Errorf("template = uuid %q path %q cpus %d mem %d", tmpl.UUID, tmpl.Path, tmpl.CPUs, tmpl.MemoryMB)
			}
			if tmpl.ExtraConfig[simhost.TemplateMarkerKey] != "true" {
				t.Errorf("template marker missing: %v", tmpl.ExtraConfig)
			}
			if tc.vcenter != tmpl.Template {
				t.Errorf("template flag = %v on vcenter=%v", tmpl.Template, tc.vcenter)
			}
			if len(snap.VMs) != 3+1 && !tc.vcenter {
				t.Errorf("VMs = %d, want 4", len(snap.VMs))
			}
			if len(snap.Hosts) == 0 || len(snap.Datastores) == 0 || len(snap.Networks) == 0 || len(snap.Datacenters) == 0 {
				t.Fatalf("snapshot incomplete: %d hosts %d datastores %d networks %d datacenters",
					len(snap.Hosts), len(snap.Datastores), len(snap.Networks), len(snap.Datacenters))
			}
			if snap.Hosts[0].MemoryBytes == 0 || snap.Hosts[0].CPUCores == 0 {
				t.Errorf("host capacity missing: %+v", snap.Hosts[0])
			}
			if snap.Datastores[0].Capacity == 0 {
				t.Errorf("datastore capacity missing: %+v", snap.Datastores[0])
			}
		})
	}
}

func TestInventoryIsSharedByConcurrentCallers(t *testing.T) {
	t.Parallel()
	h := startHost(t, simhost.Options{VMs: 5})
	ctx := context.Background()
	c, err := esxi.Connect(ctx, configFor(h))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := c.Inventory.Get(ctx)
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := c.Inventory.Fetches(); n != 1 {
		t.Errorf("20 concurrent reads made %d fetches, want 1", n)
	}
	c.Inventory.Invalidate()
	if _, err := c.Inventory.Get(ctx); err != nil {
		t.Fatal(err)
	}
	if n := c.Inventory.Fetches(); n != 2 {
		t.Errorf("a read after Invalidate made %d fetches in all, want 2", n)
	}
}
