package esxi_test

import (
	"context"
	"testing"

	"github.com/esxi-commander/terraform-provider-ceso/internal/esxi"
	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
)

// An account that may not read licences connects; the licence is unknown,
// and CheckWritable does not refuse on a guess.
func TestConnectWithoutLicencePrivilege(t *testing.T) {
	t.Parallel()
	h := startHost(t, simhost.Options{LimitedUser: "operator"})
	cfg := configFor(h)
	cfg.Username = "operator"
	c, err := esxi.Connect(context.Background(), cfg)
	if err != nil {
		t.Fatalf("connect as a limited account: %v", err)
	}
	defer c.Close(context.Background())
	f := c.Facts()
	if !f.LicenceUnknown || f.FreeLicence || f.LicenceName != "" || f.Product != "ESXi" {
		t.Errorf("facts = %+v; want the licence unknown and the product known", f)
	}
	if err := c.CheckWritable(); err != nil {
		t.Errorf("CheckWritable = %v", err)
	}
	// The administrator reads them.
	admin, err := esxi.Connect(context.Background(), configFor(h))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(context.Background())
	if f := admin.Facts(); f.LicenceUnknown || f.LicenceName == "" {
		t.Errorf("administrator's facts = %+v; want the licence read", f)
	}
}
