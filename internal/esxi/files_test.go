package esxi_test

import (
	"context"
	"testing"

	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/object"

	"github.com/esxi-commander/terraform-provider-ceso/internal/esxi"
	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
)

// On a vSAN datastore a top-level folder is a namespace object: the plain
// MakeDirectory is refused, MakeDirectory makes it through the
// DatastoreNamespaceManager and the folders below it as usual.
func TestMakeDirectoryOnVSAN(t *testing.T) {
	t.Parallel()
	h := startHost(t, simhost.Options{})
	if err := h.MakeVSAN("LocalDS_0"); err != nil {
		t.Fatal(err)
	}
	c, err := esxi.Connect(context.Background(), configFor(h))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(context.Background())
	snap, err := c.Inventory.Get(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ds, err := snap.FindDatastore("LocalDS_0", "")
	if err != nil || ds.Type != "vsan" {
		t.Fatalf("datastore = %+v, %v; want a vsan one", ds, err)
	}
	dc := snap.Datacenters[0]
	err = c.Pool.WithSession(context.Background(), func(ctx context.Context, s *esxi.Session) error {
		plain := object.NewFileManager(s.Client).MakeDirectory(ctx, "[LocalDS_0] plain/sub", object.NewDatacenter(s.Client, dc.Ref), true)
		if plain == nil {
			t.Error("the host made a top-level vSAN folder with FileManager.MakeDirectory")
		}
		return esxi.MakeDirectory(ctx, s, dc.Ref, ds, "backups/web/1")
	})
	if err != nil {
		t.Fatalf("MakeDirectory on vSAN: %v", err)
	}
	if n := h.CountMethod("CreateDirectory"); n != 1 {
		t.Errorf("CreateDirectory called %d times, want 1", n)
	}
	// The folders below the namespace object exist: a second call finds them.
	err = c.Pool.WithSession(context.Background(), func(ctx context.Context, s *esxi.Session) error {
		b, err := find.NewFinder(s.Client).Datastore(ctx, "LocalDS_0")
		if err != nil {
			return err
		}
		_, err = b.Stat(ctx, "backups/web/1")
		return err
	})
	if err != nil {
		t.Errorf("the new folder is missing: %v", err)
	}
}
