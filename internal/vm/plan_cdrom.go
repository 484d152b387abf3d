package vm

import "github.com/vmware/govmomi/vim25/types"

// planCDROM inserts, changes or removes the CD-ROM drive's ISO.
func (pl *planner) planCDROM(p *plan) []error {
	want := pl.s.CDROM.ISO
	drives := cdroms(pl.v.devices)
	on := pl.poweredOn()
	switch {
	case want == "" && len(drives) > 0:
		for _, d := range drives {
			p.spec.DeviceChange = append(p.spec.DeviceChange, &types.VirtualDeviceConfigSpec{
				Operation: types.VirtualDeviceConfigSpecOperationRemove, Device: d})
		}
		p.changed("cdrom", on)
	case want == "":
	case len(drives) == 0:
		ctrls, _ := indexControllers(pl.v.devices)
		var ide types.BaseVirtualDevice
		for _, bus := range []int32{0, 1} {
			if c, ok := ctrls[slot{family: ControllerIDE, bus: bus}]; ok && len(controllerOf(c).Device) < 2 {
				ide = c
				break
			}
		}
		if ide == nil {
			return []error{fieldErr("cdrom", "No room for a CD-ROM drive", "both IDE controllers of the VM are full; remove an IDE disk or drive first.")}
		}
		used := map[int32]bool{}
		for _, d := range pl.v.devices {
			if d.GetVirtualDevice().ControllerKey == ide.GetVirtualDevice().Key && d.GetVirtualDevice().UnitNumber != nil {
				used[*d.GetVirtualDevice().UnitNumber] = true
			}
		}
		unit := int32(0)
		if used[0] {
			unit = 1
		}
		cd := &types.VirtualCdrom{VirtualDevice: types.VirtualDevice{
			Key: p.key(), ControllerKey: ide.GetVirtualDevice().Key, UnitNumber: types.NewInt32(unit),
			Backing:     &types.VirtualCdromIsoBackingInfo{VirtualDeviceFileBackingInfo: types.VirtualDeviceFileBackingInfo{FileName: want}},
			Connectable: &types.VirtualDeviceConnectInfo{StartConnected: true, AllowGuestControl: true, Connected: on},
		}}
		p.spec.DeviceChange = append(p.spec.DeviceChange, &types.VirtualDeviceConfigSpec{
			Operation: types.VirtualDeviceConfigSpecOperationAdd, Device: cd})
		p.changed("cdrom", on)
	case isoOf(drives[0]) != want:
		cd := *drives[0]
		cd.Backing = &types.VirtualCdromIsoBackingInfo{VirtualDeviceFileBackingInfo: types.VirtualDeviceFileBackingInfo{FileName: want}}
		cd.Connectable = &types.VirtualDeviceConnectInfo{StartConnected: true, AllowGuestControl: true, Connected: on}
		p.spec.DeviceChange = append(p.spec.DeviceChange, &types.VirtualDeviceConfigSpec{
			Operation: types.VirtualDeviceConfigSpecOperationEdit, Device: &cd})
		p.changed("cdrom", false)
	}
	return nil
}
