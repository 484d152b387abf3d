package esxi_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/esxi"
	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
)

// The host pages the inventory read (a small page size), and the session
// ends between two pages: the client logs in again, the page token is
// invalid in the new session, and the read starts over instead of failing.
func TestInventoryReadRestartsAfterReloginMidPage(t *testing.T) {
	t.Parallel()
	h := startHost(t, simhost.Options{VMs: 12, PageSize: 5})
	ctx := context.Background()
	c, err := esxi.Connect(ctx, configFor(h))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	var ended atomic.Int32
	h.AddHook(func(ctx *simulator.Context, m *simulator.Method) types.BaseMethodFault {
		if m.Name == "ContinueRetrievePropertiesEx" && ended.CompareAndSwap(0, 1) {
			h.EndSession(ctx) // the host ends the session mid-read
			return &types.NotAuthenticated{}
		}
		return nil
	})
	h.ResetMethods()
	snap, err := c.Inventory.Get(ctx)
	if err != nil {
		t.Fatalf("inventory read across a re-login: %v", err)
	}
	if ended.Load() != 1 {
		t.Fatal("the session never ended mid-read: the host did not page")
	}
	if n := len(snap.VMs); n != 12+1 {
		t.Errorf("%d VMs read, want the 12 and the template", n)
	}
	if n := h.CountMethod("RetrievePropertiesEx"); n != 2 {
		t.Errorf("RetrievePropertiesEx served %d times, want 2 (the read started over once)", n)
	}
}
