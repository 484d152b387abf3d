package virtualdisk_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/esxi-commander/terraform-provider-ceso/internal/esxi"
	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
	"github.com/esxi-commander/terraform-provider-ceso/internal/virtualdisk"
)

func TestLifecycle(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		opts simhost.Options
		dc   string
	}{{"esx", simhost.Options{}, ""}, {"vcenter", simhost.Options{VCenter: true}, "DC0"}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h, err := simhost.Start(tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(h.Close)
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			c, err := esxi.Connect(ctx, esxi.Config{Host: h.URL.String(), Username: h.Username, Password: h.Password, Insecure: true})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close(context.Background())
			m := virtualdisk.New(c)
			want := virtualdisk.Disk{Path: "[LocalDS_0] shared/data.vmdk", SizeGiB: 2, Provisioning: "thin", AdapterType: "lsiLogic"}
			d, err := m.Create(ctx, tc.dc, want)
			if err != nil {
				t.Fatalf("create: %v", err)
			}
			if d.SizeGiB != 2 {
				t.Errorf("created disk has %d GiB, want 2", d.SizeGiB)
			}
			if err := m.Plan(ctx, tc.dc, want, nil); err == nil || !strings.Contains(err.Error(), "Disk Exists") {
				t.Errorf("plan of a second disk at the same path: %v", err)
			}
			want.SizeGiB = 5
			if d, err = m.Grow(ctx, tc.dc, want); err != nil || d.SizeGiB != 5 {
				t.Fatalf("grow: %+v %v", d, err)
			}
			want.SizeGiB = 3
			if err := m.Plan(ctx, tc.dc, want, d); err == nil || !strings.Contains(err.Error(), "Cannot Shrink Disk") {
				t.Errorf("shrink: %v", err)
			}
			if _, err := m.Grow(ctx, tc.dc, want); err == nil {
				t.Error("shrink at apply succeeded")
			}
			if err := m.Delete(ctx, tc.dc, want.Path); err != nil {
				t.Fatalf("delete: %v", err)
			}
			if _, err := m.Read(ctx, tc.dc, want.Path); !virtualdisk.IsNotFound(err) {
				t.Errorf("read after delete: %v", err)
			}
			if err := m.Delete(ctx, tc.dc, want.Path); err != nil {
				t.Errorf("deleting a disk that is gone: %v", err)
			}
			if _, err := m.Read(ctx, tc.dc, "[LocalDS_0] shared/data-flat.vmdk"); err == nil {
				t.Error("a -flat.vmdk path was accepted")
			}
		})
	}
}
