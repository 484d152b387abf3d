package hostnet_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/esxi"
	"github.com/esxi-commander/terraform-provider-ceso/internal/hostnet"
	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
	"github.com/esxi-commander/terraform-provider-ceso/internal/vm"
)

func connect(t *testing.T, opts simhost.Options) (*esxi.Client, context.Context) {
	t.Helper()
	h, err := simhost.Start(opts)
	if err != nil {
		t.Fatalf("start simulator: %v", err)
	}
	t.Cleanup(h.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	c, err := esxi.Connect(ctx, esxi.Config{Host: h.URL.String(), Username: h.Username, Password: h.Password, Insecure: true, MaxSessions: 4})
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	return c, ctx
}

// A vSwitch with an uplink, a VLAN port group with overrides, a VM on it:
// the port group cannot go while the VM uses it, and everything reads back
// as it was set, on a standalone host and on vCenter.
func TestVSwitchAndPortGroup(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		opts simhost.Options
		dc   string
	}{{"esx", simhost.Options{}, ""}, {"vcenter", simhost.Options{VCenter: true}, "DC0"}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, ctx := connect(t, tc.opts)
			m := hostnet.New(c)
			yes, no := types.NewBool(true), types.NewBool(false)
			sw := hostnet.VSwitch{Name: "vSwitch1", Uplinks: []string{"vmnic1"}, MTU: 9000,
				Security: hostnet.Security{AllowPromiscuous: no, AllowMACChanges: no, AllowForged: yes}}
			got, err := m.CreateVSwitch(ctx, tc.dc, sw)
			if err != nil {
				t.Fatalf("create vSwitch: %v", err)
			}
			if diff := cmp.Diff([]string{"vmnic1"}, got.Uplinks); diff != "" || got.MTU != 9000 || !*got.Security.AllowForged || *got.Security.AllowPromiscuous {
				t.Errorf("vSwitch read back: %+v %s", got, diff)
			}
			// vmnic0 bridges vSwitch0; a NIC the host lacks is refused too.
			for _, nic := range []string{"vmnic0", "vmnic9"} {
				bad := sw
				bad.Uplinks = []string{nic}
				if _, err := m.PlanVSwitch(ctx, tc.dc, bad, true); err == nil {
					t.Errorf("uplink %s accepted", nic)
				}
			}
			sw.MTU = 1500
			if got, err = m.UpdateVSwitch(ctx, tc.dc, sw); err != nil || got.MTU != 1500 {
				t.Fatalf("update vSwitch: %+v %v", got, err)
			}

			pg := hostnet.PortGroup{Name: "web-vlan42", VSwitch: "vSwitch1", VLAN: 42, Security: hostnet.Security{AllowPromiscuous: yes},
				Shaping: &hostnet.Shaping{Enabled: true, AverageBandwidth: 100e6, PeakBandwidth: 200e6, BurstSize: 100 << 20}}
			if _, err := m.PlanPortGroup(ctx, tc.dc, hostnet.PortGroup{Name: "x", VSwitch: "vSwitch9"}, false, nil); err == nil {
				t.Error("a port group on a missing vSwitch was accepted")
			}
			gpg, err := m.CreatePortGroup(ctx, tc.dc, pg)
			if err != nil {
				t.Fatalf("create port group: %v", err)
			}
			if gpg.VLAN != 42 || gpg.Security.AllowPromiscuous == nil || !*gpg.Security.AllowPromiscuous || gpg.Security.AllowForged != nil || gpg.Shaping == nil || gpg.Shaping.PeakBandwidth != 200e6 {
				t.Errorf("port group read back: %+v %+v", gpg, gpg.Shaping)
			}
			pg.VLAN, pg.Shaping = 43, nil
			if gpg, err = m.UpdatePortGroup(ctx, tc.dc, pg); err != nil || gpg.VLAN != 43 || gpg.Shaping != nil {
				t.Fatalf("update port group: %+v %v", gpg, err)
			}

			vms := vm.New(c)
			res, err := vms.Create(ctx, vm.Spec{Name: "web-01", Template: simhost.TemplateName, Datacenter: tc.dc, Power: "off",
				NICs: []vm.NIC{{Network: "web-vlan42"}}}, vm.Options{})
			if err != nil {
				t.Fatalf("create VM on the port group: %v", err)
			}
			if err := m.CheckDeletePortGroup(ctx, "", tc.dc, "web-vlan42", nil); !hostnet.IsInUse(err) {
				t.Errorf("check before removing a port group in use: %v", err)
			}
			if err := m.CheckDeletePortGroup(ctx, "", tc.dc, "web-vlan42", func(vm string) bool { return vm == "web-01" }); err != nil {
				t.Errorf("a VM the plan removes first still counted: %v", err)
			}
			if err := m.CheckDeleteVSwitch(ctx, "", tc.dc, "vSwitch1", nil); !hostnet.IsInUse(err) {
				t.Errorf("check before removing a vSwitch in use: %v", err)
			}
			err = m.DeletePortGroup(ctx, "", tc.dc, "web-vlan42")
			if !hostnet.IsInUse(err) || !strings.Contains(err.Error(), "web-01") {
				t.Errorf("removing a port group in use: %v", err)
			}
			if _, err := vms.Delete(ctx, res.State.UUID); err != nil {
				t.Fatal(err)
			}
			if err := m.DeletePortGroup(ctx, "", tc.dc, "web-vlan42"); err != nil {
				t.Fatalf("remove port group: %v", err)
			}
			if _, err := m.ReadPortGroup(ctx, "", tc.dc, "web-vlan42"); !hostnet.IsNotFound(err) {
				t.Errorf("port group after removal: %v", err)
			}
			if err := m.DeleteVSwitch(ctx, "", tc.dc, "vSwitch1"); err != nil {
				t.Fatalf("remove vSwitch: %v", err)
			}
			if _, err := m.ReadVSwitch(ctx, "", tc.dc, "vSwitch1"); !hostnet.IsNotFound(err) {
				t.Errorf("vSwitch after removal: %v", err)
			}
		})
	}
}
