package simhost_test

import (
	"context"
	"testing"

	"github.com/vmware/govmomi"

	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
)

// started starts a simulated host for one test and logs in to it; the
// session and the host end with the test.
func started(t *testing.T, opts simhost.Options) (*simhost.Host, *govmomi.Client) {
	t.Helper()
	h, err := simhost.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.Close)
	c, err := h.Client(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Logout(context.Background()) })
	return h, c
}
