package simhost

import (
	"strings"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// ovfExt serves CreateImportSpec for descriptors with a serial port. A real
// host turns a descriptor's serial port item (ResourceType 21, which
// Ubuntu's cloud OVA declares for its console) into a VirtualSerialPort on
// the SIO controller; the simulator refuses the type (OvfUnsupportedType),
// so a published cloud OVA could not be deployed in tests at all. The
// wrapper gives the simulator the descriptor without those items and adds
// the ports to the import spec, as the host would.
type ovfExt struct{ *simulator.OvfManager }

func (o *ovfExt) CreateImportSpec(ctx *simulator.Context, req *types.CreateImportSpec) soap.HasFault {
	desc, ports := stripSerialPorts(req.OvfDescriptor)
	r := *req
	r.OvfDescriptor = desc
	res := o.OvfManager.CreateImportSpec(ctx, &r)
	body, ok := res.(*methods.CreateImportSpecBody)
	if !ok || body.Res == nil || ports == 0 {
		return res
	}
	spec, ok := body.Res.Returnval.ImportSpec.(*types.VirtualMachineImportSpec)
	if !ok {
		return res
	}
	var devices object.VirtualDeviceList
	for _, c := range spec.ConfigSpec.DeviceChange {
		devices = append(devices, c.GetVirtualDeviceConfigSpec().Device)
	}
	for range ports {
		port, err := devices.CreateSerialPort()
		if err != nil {
			sio := &types.VirtualSIOController{}
			sio.Key = devices.NewKey()
			devices = append(devices, sio)
			spec.ConfigSpec.DeviceChange = append(spec.ConfigSpec.DeviceChange,
				&types.VirtualDeviceConfigSpec{Operation: types.VirtualDeviceConfigSpecOperationAdd, Device: sio})
			if port, err = devices.CreateSerialPort(); err != nil {
				continue
			}
		}
		port.Key = devices.NewKey()
		devices = append(devices, port)
		spec.ConfigSpec.DeviceChange = append(spec.ConfigSpec.DeviceChange,
			&types.VirtualDeviceConfigSpec{Operation: types.VirtualDeviceConfigSpecOperationAdd, Device: port})
	}
	return res
}

// stripSerialPorts removes the hardware items of ResourceType 21 from an
// OVF descriptor (items written <Item>...</Item>, as ovftool and Ubuntu's
// builder write them) and counts them.
func stripSerialPorts(desc string) (string, int) {
	var b strings.Builder
	n := 0
	rest := desc
	for {
		i := strings.Index(rest, "<Item")
		if i < 0 {
			break
		}
		j := strings.Index(rest[i:], "</Item>")
		if j < 0 {
			break
		}
		item := rest[i : i+j+len("</Item>")]
		b.WriteString(rest[:i])
		if strings.Contains(item, "<rasd:ResourceType>21</rasd:ResourceType>") {
			n++
		} else {
			b.WriteString(item)
		}
		rest = rest[i+j+len("</Item>"):]
	}
	b.WriteString(rest)
	return b.String(), n
}
