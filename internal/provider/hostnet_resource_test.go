package provider_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/vmware/govmomi/property"
	"github.com/vmware/govmomi/view"
	"github.com/vmware/govmomi/vim25/mo"
	vimtypes "github.com/vmware/govmomi/vim25/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/acctest"
	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
)

// hostNetwork reads the (only) host's network configuration from the
// simulated host.
func hostNetwork(h *acctest.Host) (*vimtypes.HostNetworkInfo, error) {
	ctx := context.Background()
	c, err := h.Client(ctx)
	if err != nil {
		return nil, err
	}
	defer func() { _ = c.Logout(ctx) }()
	v, err := view.NewManager(c.Client).CreateContainerView(ctx, c.Client.ServiceContent.RootFolder, []string{"HostSystem"}, true)
	if err != nil {
		return nil, err
	}
	defer func() { _ = v.Destroy(ctx) }()
	var hosts []mo.HostSystem
	if err := v.Retrieve(ctx, []string{"HostSystem"}, []string{"configManager.networkSystem"}, &hosts); err != nil {
		return nil, err
	}
	if len(hosts) != 1 {
		return nil, fmt.Errorf("want one host, found %d", len(hosts))
	}
	var ns mo.HostNetworkSystem
	if err := property.DefaultCollector(c.Client).RetrieveOne(ctx, *hosts[0].ConfigManager.NetworkSystem, []string{"networkInfo"}, &ns); err != nil {
		return nil, err
	}
	return ns.NetworkInfo, nil
}

// expectNetwork checks the vSwitch's MTU and uplinks and the port group's
// VLAN on the host; a zero mtu means the vSwitch must be gone, a negative
// vlan that the port group must be.
func expectNetwork(h *acctest.Host, mtu int32, uplinks []string, vlan int32) acctest.HostCheck {
	return func() error {
		info, err := hostNetwork(h)
		if err != nil {
			return err
		}
		var sw *vimtypes.HostVirtualSwitch
		for i := range info.Vswitch {
			if info.Vswitch[i].Name == "vSwitch1" {
				sw = &info.Vswitch[i]
			}
		}
		switch {
		case mtu == 0 && sw != nil:
			return fmt.Errorf("vSwitch1 is still on the host")
		case mtu != 0 && sw == nil:
			return fmt.Errorf("vSwitch1 is not on the host")
		case sw != nil:
			bb, _ := sw.Spec.Bridge.(*vimtypes.HostVirtualSwitchBondBridge)
			var nics []string
			if bb != nil {
				nics = bb.NicDevice
			}
			if sw.Mtu != mtu || fmt.Sprint(nics) != fmt.Sprint(uplinks) {
				return fmt.Errorf("vSwitch1 on the host: MTU %d uplinks %v, want %d %v", sw.Mtu, nics, mtu, uplinks)
			}
		}
		var pg *vimtypes.HostPortGroup
		for i := range info.Portgroup {
			if info.Portgroup[i].Spec.Name == "web-vlan" {
				pg = &info.Portgroup[i]
			}
		}
		switch {
		case vlan < 0 && pg != nil:
			return fmt.Errorf("port group web-vlan is still on the host")
		case vlan >= 0 && pg == nil:
			return fmt.Errorf("port group web-vlan is not on the host")
		case pg != nil && (pg.Spec.VlanId != vlan || pg.Spec.VswitchName != "vSwitch1"):
			return fmt.Errorf("port group web-vlan on the host: VLAN %d on %s, want %d on vSwitch1", pg.Spec.VlanId, pg.Spec.VswitchName, vlan)
		}
		return nil
	}
}

func hostnetConfig(mtu, vlan int, vm string) string {
	return fmt.Sprintf(`
resource "ceso_vswitch" "lan" {
  name                   = "vSwitch1"
  uplinks                = ["vmnic1"]
  mtu                    = %d
  allow_forged_transmits = true
}

resource "ceso_portgroup" "web" {
  name              = "web-vlan"
  vswitch           = ceso_vswitch.lan.name
  vlan_id           = %d
  allow_promiscuous = false
  traffic_shaping = {
    enabled           = true
    average_bandwidth = 100000000
    peak_bandwidth    = 200000000
    burst_size        = 104857600
  }
}
%s`, mtu, vlan, vm)
}

// webVM is a VM with its adapter on the port group, by reference (so a
// destroy removes the VM first) or by a literal name.
func webVM(network string) string {
	return fmt.Sprintf(`
resource "ceso_vm" "web" {
  name        = "web-01"
  template    = "ceso-template"
  power_state = "off"
  network_interface {
    network = %s
  }
}
`, network)
}

func testHostNetworking(t *testing.T, opts simhost.Options, provider ...string) {
	h := acctest.StartHost(t, opts)
	cfg := func(body string) string {
		return h.ProviderConfig(append([]string{unrestricted}, provider...)...) + body
	}
	byRef := webVM("ceso_portgroup.web.name")
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy: func(s *terraform.State) error {
			if err := vmGone(h, "web-01")(s); err != nil {
				return err
			}
			return expectNetwork(h, 0, nil, -1)()
		},
		Steps: []resource.TestStep{
			{
				Config: cfg(hostnetConfig(9000, 42, byRef)),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("ceso_vswitch.lan", tfjsonpath.New("host"), acctest.NonEmpty()),
					statecheck.ExpectKnownValue("ceso_vswitch.lan", tfjsonpath.New("allow_promiscuous"), knownvalue.Bool(false)),
					statecheck.ExpectKnownValue("ceso_portgroup.web", tfjsonpath.New("allow_forged_transmits"), knownvalue.Null()),
					statecheck.ExpectKnownValue("ceso_portgroup.web", tfjsonpath.New("traffic_shaping").AtMapKey("peak_bandwidth"), knownvalue.Int64Exact(200000000)),
					expectNetwork(h, 9000, []string{"vmnic1"}, 42),
					acctest.HostCheck(func() error {
						var nets []string
						for _, d := range h.VM(context.Background(), "web-01").Config.Hardware.Device {
							if nic, ok := d.(vimtypes.BaseVirtualEthernetCard); ok {
								if b, ok := nic.GetVirtualEthernetCard().Backing.(*vimtypes.VirtualEthernetCardNetworkBackingInfo); ok {
									nets = append(nets, b.DeviceName)
								}
							}
						}
						if fmt.Sprint(nets) != "[web-vlan]" {
							return fmt.Errorf("web-01's adapters are on %v, want [web-vlan]", nets)
						}
						return nil
					}),
				},
			},
			{Config: cfg(hostnetConfig(9000, 42, byRef)), ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}},
			{ // MTU and VLAN change in place, with the VM on the port group
				Config: cfg(hostnetConfig(1500, 43, byRef)),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("ceso_vswitch.lan", plancheck.ResourceActionUpdate),
					plancheck.ExpectResourceAction("ceso_portgroup.web", plancheck.ResourceActionUpdate),
					plancheck.ExpectResourceAction("ceso_vm.web", plancheck.ResourceActionNoop)}},
				ConfigStateChecks: []statecheck.StateCheck{expectNetwork(h, 1500, []string{"vmnic1"}, 43)},
			},
			{ResourceName: "ceso_vswitch.lan", ImportState: true, ImportStateVerify: true},
			{ResourceName: "ceso_portgroup.web", ImportState: true, ImportStateVerify: true, ImportStateId: "web-vlan"},
			{ // the VM names the port group literally, so nothing orders it first
				Config: cfg(hostnetConfig(1500, 43, webVM(`"web-vlan"`))),
			},
			{ // removing the port group while web-01 uses it is refused at plan
				Config: cfg(`
resource "ceso_vswitch" "lan" {
  name                   = "vSwitch1"
  uplinks                = ["vmnic1"]
  allow_forged_transmits = true
}
` + webVM(`"web-vlan"`)),
				ExpectError: acctest.ErrorMatching("Port Group In Use", `port group "web-vlan"`, "web-01"),
			},
			{Config: cfg(hostnetConfig(1500, 43, byRef)), ConfigStateChecks: []statecheck.StateCheck{expectNetwork(h, 1500, []string{"vmnic1"}, 43)}},
		},
	})
}

func TestAccHostNetworking_ESX(t *testing.T) { testHostNetworking(t, simhost.Options{}) }

func TestAccHostNetworking_VCenter(t *testing.T) {
	testHostNetworking(t, simhost.Options{VCenter: true}, `datacenter = "DC0"`)
}
