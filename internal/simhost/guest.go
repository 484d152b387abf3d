package simhost

import (
	"context"
	"fmt"
	"hash/fnv"
	"net"
	"strings"
	"time"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/view"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
	"go.yaml.in/yaml/v3"

	"github.com/esxi-commander/terraform-provider-ceso/internal/cloudinit"
)

// SilentGuest in a VM's notes (annotation) makes PlayGuest leave that VM
// alone: its guest never runs VMware Tools, so it never reports a
// heartbeat or an address, like a guest that does not boot. The notes are
// recorded in a backup's manifest and given to a restored VM, so a backup
// of such a VM restores into a VM that does not boot either (a failing
// restore drill).
const SilentGuest = "simhost:silent-guest"

// PlayGuest plays the part of the guests until ctx ends: a powered-on VM
// without an IP address gets one, as cloud-init and VMware Tools would
// report it on a real host — the first static address of its cloud-init
// network config, or a stable made-up DHCP lease — with Tools running and
// a green heartbeat. The simulator has no guests of its own: it reports
// Tools not running and a gray heartbeat after a power-on, as a real host
// does until Tools start in the guest, so without this wait_for_ip and a
// restore drill's heartbeat wait would never end. A VM whose notes hold
// SilentGuest is left alone.
func (h *Host) PlayGuest(ctx context.Context, every time.Duration) error {
	c, err := h.Client(ctx)
	if err != nil {
		return err
	}
	go func() {
		defer func() { _ = c.Logout(context.Background()) }()
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				_ = bootGuests(ctx, c.Client)
			}
		}
	}()
	return nil
}

func bootGuests(ctx context.Context, vc *vim25.Client) error {
	v, err := view.NewManager(vc).CreateContainerView(ctx, vc.ServiceContent.RootFolder, []string{"VirtualMachine"}, true)
	if err != nil {
		return err
	}
	defer func() { _ = v.Destroy(ctx) }()
	var vms []mo.VirtualMachine
	if err := v.Retrieve(ctx, []string{"VirtualMachine"}, []string{"name", "runtime.powerState", "config.extraConfig", "config.annotation", "guest.ipAddress"}, &vms); err != nil {
		return err
	}
	for _, vm := range vms {
		if vm.Runtime.PowerState != types.VirtualMachinePowerStatePoweredOn || (vm.Guest != nil && vm.Guest.IpAddress != "") || vm.Config == nil || strings.Contains(vm.Config.Annotation, SilentGuest) {
			continue
		}
		ec := map[string]string{}
		for _, o := range vm.Config.ExtraConfig {
			if s, ok := o.GetOptionValue().Value.(string); ok {
				ec[o.GetOptionValue().Key] = s
			}
		}
		ip := guestAddress(vm.Name, ec)
		spec := types.VirtualMachineConfigSpec{ExtraConfig: []types.BaseOptionValue{
			&types.OptionValue{Key: "SET.guest.ipAddress", Value: ip},
			&types.OptionValue{Key: "SET.guest.toolsRunningStatus", Value: string(types.VirtualMachineToolsRunningStatusGuestToolsRunning)},
			&types.OptionValue{Key: "SET.guest.toolsStatus", Value: string(types.VirtualMachineToolsStatusToolsOk)},
			&types.OptionValue{Key: "SET.guestHeartbeatStatus", Value: string(types.ManagedEntityStatusGreen)},
			&types.OptionValue{Key: "SET.summary.quickStats.guestHeartbeatStatus", Value: string(types.ManagedEntityStatusGreen)},
		}}
		task, err := object.NewVirtualMachine(vc, vm.Self).Reconfigure(ctx, spec)
		if err == nil {
			_ = task.Wait(ctx)
		}
	}
	return nil
}

// guestAddress is the address cloud-init would configure: the first static
// address of the metadata's network config, else a made-up DHCP lease.
func guestAddress(name string, guestinfo map[string]string) string {
	if _, meta, _, err := cloudinit.Decode(guestinfo); err == nil && meta != "" {
		var doc struct {
			Network struct {
				Ethernets map[string]struct {
					Addresses []string `yaml:"addresses"`
				} `yaml:"ethernets"`
			} `yaml:"network"`
		}
		if yaml.Unmarshal([]byte(meta), &doc) == nil {
			for _, eth := range doc.Network.Ethernets {
				for _, a := range eth.Addresses {
					if ip, _, err := net.ParseCIDR(a); err == nil && ip.To4() != nil {
						return ip.String()
					}
				}
			}
		}
	}
	f := fnv.New32a()
	_, _ = f.Write([]byte(name))
	n := f.Sum32()
	return fmt.Sprintf("10.99.%d.%d", (n>>8)%250+1, n%250+2)
}
