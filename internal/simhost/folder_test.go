package simhost_test

import (
	"context"
	"strings"
	"testing"

	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/soap"

	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
)

// A /folder upload into a missing folder is refused with 404, as on a real
// host; once FileManager.MakeDirectory made the folder it succeeds. Without
// the rule the simulator creates the folder itself and the first upload
// passes.
func TestFolderUploadNeedsItsFolder(t *testing.T) {
	t.Parallel()
	for _, vcenter := range []bool{false, true} {
		h, err := simhost.Start(simhost.Options{VCenter: vcenter, Templates: -1})
		if err != nil {
			t.Fatal(err)
		}
		defer h.Close()
		ctx := context.Background()
		c, err := h.Client(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = c.Logout(ctx) }()
		f := find.NewFinder(c.Client)
		dc, err := f.DefaultDatacenter(ctx)
		if err != nil {
			t.Fatal(err)
		}
		f.SetDatacenter(dc)
		ds, err := f.Datastore(ctx, "LocalDS_0")
		if err != nil {
			t.Fatal(err)
		}
		up := func(p string) error {
			return ds.Upload(ctx, strings.NewReader("data"), p, &soap.Upload{ContentLength: 4, Method: "PUT"})
		}
		if err := up("top.txt"); err != nil {
			t.Fatalf("upload at the top: %v", err)
		}
		if err := up("new/sub/file.txt"); err == nil || !strings.Contains(err.Error(), "404") {
			t.Fatalf("upload into a missing folder = %v, want 404 Not Found", err)
		}
		if err := object.NewFileManager(c.Client).MakeDirectory(ctx, "[LocalDS_0] new/sub", dc, true); err != nil {
			t.Fatal(err)
		}
		if err := up("new/sub/file.txt"); err != nil {
			t.Fatalf("upload after MakeDirectory: %v", err)
		}
	}
}
