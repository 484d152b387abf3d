package chaos_test

import (
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
)

// Scenario 2: the datastore fills up during the template's disk copy (half
// a disk is written, then the host answers CopyVirtualDisk_Task with
// NoDiskSpace). The apply fails with
// an error that says the datastore is full and what to do, the provider
// removes the VM it had started, nothing is left on the host, and once
// there is space again the next apply converges.
func TestAccChaos_datastoreFullDuringTemplateCopy(t *testing.T) {
	t.Parallel()
	w := newWorkspace(t)
	h := startHost(t, simhost.Options{})
	cfg := h.config("") + `
resource "ceso_vm" "web" {
  name        = "web-01"
  template    = "ceso-template"
  power_state = "off"
}
`
	// The copy fails part way: half a disk is written, then the host
	// answers NoDiskSpace.
	var halfWritten atomic.Bool
	h.AddHook(func(ctx *simulator.Context, m *simulator.Method) types.BaseMethodFault {
		req, ok := m.Body.(*types.CopyVirtualDisk_Task)
		if !ok {
			return nil
		}
		var p object.DatastorePath
		ds, isDS := ctx.Map.Any("Datastore").(*simulator.Datastore)
		if isDS && p.FromString(req.DestName) {
			half := filepath.Join(ds.Info.GetDatastoreInfo().Url, strings.TrimSuffix(p.Path, ".vmdk")+"-flat.vmdk")
			halfWritten.Store(os.WriteFile(half, make([]byte, 64<<10), 0o600) == nil)
		}
		return &types.NoDiskSpace{Datastore: p.Datastore}
	})
	w.applyFails(cfg, "Error: Cannot Create VM", "copy disk", "ceso-template.vmdk",
		"NoDiskSpace (no space left on datastore LocalDS_0)", "The datastore is full; free space or choose another datastore")
	if !halfWritten.Load() {
		t.Fatal("the hook did not write half a disk: the scenario tests nothing")
	}
	if h.CountMethod("CreateVM_Task") != 1 || h.CountMethod("Destroy_Task") != 1 {
		t.Errorf("want the started VM made once and removed once; methods: %v", h.Methods())
	}
	h.noLeaks(true)

	h.ClearHooks()
	w.mustApply(cfg)
	h.exactlyOne("web-01")
	h.noOrphans("web-01")
	w.converged(cfg)
	w.destroy(cfg)
	h.noLeaks(true)
}

// Scenario 2, caught before anything is made: the datastore reports less
// free space than a thick disk needs. The create is refused with
// "Datastore full" and the host sees no write at all.
func TestAccChaos_datastoreTooSmallRefusedBeforeWriting(t *testing.T) {
	t.Parallel()
	w := newWorkspace(t)
	h := startHost(t, simhost.Options{})
	setFreeSpace(h, 512<<20)
	cfg := h.config("") + `
resource "ceso_vm" "db" {
  name        = "db-01"
  power_state = "off"
  disk {
    size_gb      = 10
    provisioning = "thick"
  }
}
`
	h.ResetMethods()
	w.applyFails(cfg, "Error: Cannot Create VM", "Datastore full", "LocalDS_0 has 512 MiB free but the disks to create need 10.0 GiB",
		"free space or choose another datastore")
	if wr := writesIn(h.Methods()); len(wr) > 0 {
		t.Errorf("a create refused for want of space still sent %v to the host", wr)
	}
	h.noLeaks(true)
}

// setFreeSpace makes every datastore of the simulated host report free bytes.
func setFreeSpace(h *chaosHost, free int64) {
	m := h.Model.Map()
	ctx := h.Model.Service.Context
	for _, e := range m.All("Datastore") {
		ds, ok := e.(*simulator.Datastore)
		if !ok {
			h.t.Fatalf("%v is not a datastore", e.Reference())
		}
		m.WithLock(ctx, ds, func() {
			ds.Summary.FreeSpace = free
			ds.Info.GetDatastoreInfo().FreeSpace = free
		})
	}
}
