package simhost

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/types"
)

// TemplateMarkerKey is the extra config key that marks a VM as a ceso
// template on a standalone host, where VMware's own template flag needs vCenter.
const TemplateMarkerKey = "ceso.template"

// prepareTemplates creates the template VMs, each with one thin 1 GiB disk
// and one NIC, so template copies have real files to copy.
func (h *Host) prepareTemplates(ctx context.Context) error {
	c, err := h.Client(ctx)
	if err != nil {
		return fmt.Errorf("log in to prepare templates: %w", err)
	}
	defer func() { _ = c.Logout(ctx) }()
	f := find.NewFinder(c.Client, true)
	dc, err := f.DefaultDatacenter(ctx)
	if err != nil {
		return err
	}
	f.SetDatacenter(dc)
	folders, err := dc.Folders(ctx)
	if err != nil {
		return err
	}
	pool, err := f.DefaultResourcePool(ctx)
	if err != nil {
		// A vApp is a resource pool too: take the cluster's own pool.
		pools, lerr := f.ResourcePoolList(ctx, "*")
		for _, p := range pools {
			if strings.HasSuffix(p.InventoryPath, "/Resources") {
				pool = p
			}
		}
		if lerr != nil || pool == nil {
			return err
		}
	}
	ds, err := f.DefaultDatastore(ctx)
	if err != nil {
		// Several datastores: the templates live on the first.
		if ds, err = f.Datastore(ctx, "LocalDS_0"); err != nil {
			return err
		}
	}
	nets, err := f.NetworkList(ctx, "*")
	if err != nil {
		return fmt.Errorf("find a network for templates: %w", err)
	}
	if len(nets) == 0 {
		return errors.New("find a network for templates: the inventory has none")
	}
	for i := 0; i < h.Options.Templates; i++ {
		name := TemplateName
		if i > 0 {
			name = fmt.Sprintf("%s-%d", TemplateName, i)
		}
		if err := createTemplate(ctx, name, folders.VmFolder, pool, ds, nets[0], h.Options.VCenter); err != nil {
			return fmt.Errorf("create template %s: %w", name, err)
		}
	}
	return nil
}

func createTemplate(ctx context.Context, name string, folder *object.Folder, pool *object.ResourcePool,
	ds *object.Datastore, net object.NetworkReference, vcenter bool) error {
	dsName := ds.Name()
	devices := object.VirtualDeviceList{}
	scsi, err := devices.CreateSCSIController("pvscsi")
	if err != nil {
		return err
	}
	devices = append(devices, scsi)
	ctrl, ok := scsi.(types.BaseVirtualController)
	if !ok {
		return fmt.Errorf("SCSI controller is a %T, not a controller", scsi)
	}
	disk := devices.CreateDisk(ctrl, ds.Reference(), fmt.Sprintf("[%s] %s/%s.vmdk", dsName, name, name))
	disk.CapacityInKB = 1024 * 1024
	backingInfo, ok := disk.Backing.(*types.VirtualDiskFlatVer2BackingInfo)
	if !ok {
		return fmt.Errorf("new disk has a %T backing, not a flat one", disk.Backing)
	}
	backingInfo.ThinProvisioned = types.NewBool(true)
	devices = append(devices, disk)
	backing, err := net.EthernetCardBackingInfo(ctx)
	if err != nil {
		return err
	}
	nic, err := devices.CreateEthernetCard("vmxnet3", backing)
	if err != nil {
		return err
	}
	devices = append(devices, nic)
	changes, err := devices.ConfigSpec(types.VirtualDeviceConfigSpecOperationAdd)
	if err != nil {
		return err
	}
	for _, ch := range changes {
		if d, ok := ch.GetVirtualDeviceConfigSpec().Device.(*types.VirtualDisk); ok && d != nil {
			ch.GetVirtualDeviceConfigSpec().FileOperation = types.VirtualDeviceConfigSpecFileOperationCreate
		}
	}
	spec := types.VirtualMachineConfigSpec{
		Name: name, GuestId: "ubuntu64Guest", NumCPUs: 2, MemoryMB: 2048, Firmware: "bios",
		Files:        &types.VirtualMachineFileInfo{VmPathName: fmt.Sprintf("[%s]", dsName)},
		DeviceChange: changes,
		ExtraConfig:  []types.BaseOptionValue{&types.OptionValue{Key: TemplateMarkerKey, Value: "true"}},
	}
	task, err := folder.CreateVM(ctx, spec, pool, nil)
	if err != nil {
		return err
	}
	info, err := task.WaitForResult(ctx)
	if err != nil {
		return err
	}
	if vcenter {
		ref, ok := info.Result.(types.ManagedObjectReference)
		if !ok {
			return fmt.Errorf("CreateVM_Task returned a %T, not a VM reference", info.Result)
		}
		return object.NewVirtualMachine(folder.Client(), ref).MarkAsTemplate(ctx)
	}
	return nil
}
