package vm

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/esxi"
)

// hostPCI is what a host says about its PCI devices: every device
// (hardware.pciDevice), which can be and are passed through
// (config.pciPassthruInfo), and what a VM on it may use (the compute
// resource's QueryConfigTarget, which also carries the system id a static
// backing needs). It is read only when a VM is to get a new passthrough
// device: two round trips, and a real host's PCI list is long, so it stays
// out of the shared inventory read.
type hostPCI struct {
	host     string
	devices  []types.HostPciDevice
	passthru map[string]*types.HostPciPassthruInfo
	target   map[string]*types.VirtualMachinePciPassthroughInfo // by PCI id
	dynamic  []types.VirtualMachineDynamicPassthroughInfo
}

// readHostPCI reads the host's PCI facts with the session.
func readHostPCI(ctx context.Context, s *esxi.Session, h esxi.Host) (*hostPCI, error) {
	op := "read the PCI devices of host " + h.Name
	specs := []types.PropertySpec{{Type: "HostSystem", PathSet: []string{"hardware.pciDevice", "config.pciPassthruInfo"}}}
	objs := []types.ObjectSpec{{Obj: h.Ref}}
	if h.ComputeResource.Value != "" {
		specs = append(specs, types.PropertySpec{Type: h.ComputeResource.Type, PathSet: []string{"environmentBrowser"}})
		objs = append(objs, types.ObjectSpec{Obj: h.ComputeResource})
	}
	res, err := methods.RetrieveProperties(ctx, s.Client, &types.RetrieveProperties{This: s.Client.ServiceContent.PropertyCollector,
		SpecSet: []types.PropertyFilterSpec{{PropSet: specs, ObjectSet: objs}}})
	if err != nil {
		return nil, esxi.Wrap(op, err)
	}
	hp := &hostPCI{host: h.Name, passthru: map[string]*types.HostPciPassthruInfo{}, target: map[string]*types.VirtualMachinePciPassthroughInfo{}}
	var browser *types.ManagedObjectReference
	for _, oc := range res.Returnval {
		for _, p := range oc.PropSet {
			switch v := p.Val.(type) {
			case types.ArrayOfHostPciDevice:
				hp.devices = v.HostPciDevice
			case types.ArrayOfHostPciPassthruInfo:
				for _, i := range v.HostPciPassthruInfo {
					info := i.GetHostPciPassthruInfo()
					hp.passthru[strings.ToLower(info.Id)] = info
				}
			case types.ManagedObjectReference:
				ref := v
				browser = &ref
			}
		}
	}
	if browser == nil {
		return hp, nil
	}
	ct, err := methods.QueryConfigTarget(ctx, s.Client, &types.QueryConfigTarget{This: *browser, Host: &h.Ref})
	if err != nil {
		return nil, esxi.Wrap(op, err)
	}
	if t := ct.Returnval; t != nil {
		for _, p := range t.PciPassthrough {
			if i, ok := p.(*types.VirtualMachinePciPassthroughInfo); ok {
				hp.target[strings.ToLower(i.PciDevice.Id)] = i
			}
		}
		hp.dynamic = t.DynamicPassthrough
	}
	return hp, nil
}

// backing is the device backing for entry i, or a *FieldError saying why
// the host cannot pass the device through and what to do; its detail
// starts with the entry ("pci_devices[0] (host_id 0000:3b:00.0): ...").
func (hp *hostPCI) backing(i int, d PCIDevice) (types.BaseVirtualDeviceBackingInfo, error) {
	b, err := hp.findBacking(i, d)
	var fe *FieldError
	if errors.As(err, &fe) {
		fe.Detail = fmt.Sprintf("pci_devices[%d] (%s): %s", i, d, fe.Detail)
	}
	return b, err
}

func (hp *hostPCI) findBacking(i int, d PCIDevice) (types.BaseVirtualDeviceBackingInfo, error) {
	if !d.dynamic() {
		dev, ok := hp.device(d.HostID)
		if !ok {
			return nil, listErr("pci_devices", i, "host_id", "No Such PCI Device",
				"host %s has no PCI device %s. %s", hp.host, d.HostID, hp.available())
		}
		if err := hp.usable(i, "host_id", dev); err != nil {
			return nil, err
		}
		t, ok := hp.target[strings.ToLower(dev.Id)]
		if !ok {
			return nil, listErr("pci_devices", i, "host_id", "PCI Device Not Available",
				"host %s does not offer PCI device %s (%s) to VMs for passthrough; reboot the host after enabling passthrough, and check that no other VM holds the device. %s",
				hp.host, dev.Id, dev.DeviceName, hp.available())
		}
		return &types.VirtualPCIPassthroughDeviceBackingInfo{
			VirtualDeviceDeviceBackingInfo: types.VirtualDeviceDeviceBackingInfo{DeviceName: dev.DeviceName},
			Id:                             dev.Id, DeviceId: fmt.Sprintf("%x", uint16(dev.DeviceId)), SystemId: t.SystemId, VendorId: dev.VendorId, //nolint:gosec // G115: 16-bit ids.
		}, nil
	}
	var model []types.HostPciDevice
	for _, dev := range hp.devices {
		if uint16(dev.VendorId) == d.VendorID && uint16(dev.DeviceId) == d.DeviceID { //nolint:gosec // G115: 16-bit ids.
			model = append(model, dev)
		}
	}
	if len(model) == 0 {
		return nil, listErr("pci_devices", i, "device_id", "No Such PCI Device",
			"host %s has no PCI device with vendor_id %s and device_id %s. %s", hp.host, HexID(d.VendorID), HexID(d.DeviceID), hp.available())
	}
	var firstErr error
	for _, dev := range model {
		if err := hp.usable(i, "device_id", dev); err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		for _, dyn := range hp.dynamic {
			if uint16(dyn.VendorId) == d.VendorID && uint16(dyn.DeviceId) == d.DeviceID { //nolint:gosec // G115: 16-bit ids.
				return &types.VirtualPCIPassthroughDynamicBackingInfo{
					VirtualDeviceDeviceBackingInfo: types.VirtualDeviceDeviceBackingInfo{DeviceName: dyn.DeviceName},
					AllowedDevice:                  []types.VirtualPCIPassthroughAllowedDevice{{VendorId: int32(d.VendorID), DeviceId: int32(d.DeviceID)}},
				}, nil
			}
		}
		firstErr = listErr("pci_devices", i, "device_id", "PCI Device Not Available",
			"host %s does not offer %s (%s) to VMs for dynamic passthrough; reboot the host after enabling passthrough. %s", hp.host, dev.Id, dev.DeviceName, hp.available())
	}
	return nil, firstErr
}

// usable checks that the device can be and is enabled for passthrough.
func (hp *hostPCI) usable(i int, sub string, dev types.HostPciDevice) error {
	info := hp.passthru[strings.ToLower(dev.Id)]
	switch {
	case info == nil || !info.PassthruCapable:
		return listErr("pci_devices", i, sub, "PCI Device Not Passthrough-Capable",
			"PCI device %s (%s %s) of host %s cannot be passed through to a VM (the host reports it is not passthrough-capable). %s",
			dev.Id, dev.VendorName, dev.DeviceName, hp.host, hp.available())
	case !info.PassthruEnabled:
		return listErr("pci_devices", i, sub, "PCI Passthrough Not Enabled",
			"PCI device %s (%s %s) of host %s can be passed through but is not enabled for it: enable it on the host (Configure > Hardware > PCI Devices, "+
				"or HostPciPassthruSystem.UpdatePassthruConfig) and reboot the host if it asks to.", dev.Id, dev.VendorName, dev.DeviceName, hp.host)
	}
	return nil
}

func (hp *hostPCI) device(id string) (types.HostPciDevice, bool) {
	for _, d := range hp.devices {
		if strings.EqualFold(d.Id, id) {
			return d, true
		}
	}
	return types.HostPciDevice{}, false
}

// available lists the devices the host has enabled for passthrough, the
// ones a configuration can name.
func (hp *hostPCI) available() string {
	var out []string
	for _, d := range hp.devices {
		if i := hp.passthru[strings.ToLower(d.Id)]; i != nil && i.PassthruCapable && i.PassthruEnabled {
			out = append(out, fmt.Sprintf("%s (%s %s, vendor_id %s, device_id %s)", d.Id, d.VendorName, d.DeviceName,
				HexID(uint16(d.VendorId)), HexID(uint16(d.DeviceId)))) //nolint:gosec // G115: 16-bit ids.
		}
	}
	if len(out) == 0 {
		return "The host has no device enabled for passthrough."
	}
	sort.Strings(out)
	return "Devices enabled for passthrough: " + strings.Join(out, "; ") + "."
}

// hostOf finds the inventory's host by reference.
func hostOf(snap *esxi.Snapshot, ref types.ManagedObjectReference) (esxi.Host, error) {
	for _, h := range snap.Hosts {
		if h.Ref == ref {
			return h, nil
		}
	}
	return esxi.Host{}, &esxi.Error{Op: "find the VM's host", Kind: esxi.KindNotFound, Err: errors.New("host " + ref.Value + " is not in the inventory")}
}

// withSession runs fn with a session: a pooled one, or one the caller holds.
type withSession func(fn func(ctx context.Context, s *esxi.Session) error) error

func (m *Manager) pooled(ctx context.Context) withSession {
	return func(fn func(ctx context.Context, s *esxi.Session) error) error {
		return m.client.Pool.WithSession(ctx, fn)
	}
}

func inSession(ctx context.Context, s *esxi.Session) withSession {
	return func(fn func(ctx context.Context, s *esxi.Session) error) error { return fn(ctx, s) }
}

// hostPCILoader reads the PCI facts of the VM's host once, when planning
// needs them.
func hostPCILoader(with withSession, snap *esxi.Snapshot, ref types.ManagedObjectReference) func() (*hostPCI, error) {
	var hp *hostPCI
	return func() (*hostPCI, error) {
		if hp != nil {
			return hp, nil
		}
		h, err := hostOf(snap, ref)
		if err != nil {
			return nil, err
		}
		err = with(func(ctx context.Context, s *esxi.Session) error {
			hp, err = readHostPCI(ctx, s, h)
			return err
		})
		return hp, err
	}
}

// checkPCIHosts is the plan-time check of a create: the placement's host,
// or one of its candidate hosts, has every device of the spec enabled for
// passthrough. A static device (host_id) ties the VM to one host: without
// a host given, the first candidate that has them all is picked.
func (m *Manager) checkPCIHosts(ctx context.Context, s *Spec, pl *placement) error {
	if len(s.PCIDevices) == 0 {
		return nil
	}
	hosts := pl.hosts // the given host alone when there is one
	var firstErr error
	for _, h := range hosts {
		hp, err := hostPCILoader(m.pooled(ctx), &esxi.Snapshot{Hosts: []esxi.Host{h}}, h.Ref)()
		if err != nil {
			return err
		}
		var errs []error
		for i, d := range s.PCIDevices {
			if _, err := hp.backing(i, d); err != nil {
				errs = append(errs, err)
			}
		}
		if len(errs) == 0 {
			if pl.host == nil && len(hosts) > 1 {
				ref := h.Ref
				pl.host = &ref
			}
			return nil
		}
		if firstErr == nil {
			firstErr = joinErrs(errs)
		}
	}
	return firstErr
}
