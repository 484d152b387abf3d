package esxi

import "github.com/vmware/govmomi/vim25/types"

// Disk controller families, as ceso's schemas and backup manifests name them.
const (
	ControllerSCSI = "scsi"
	ControllerSATA = "sata"
	ControllerNVMe = "nvme"
	ControllerIDE  = "ide"
)

// ControllerFamily returns the family of a disk controller ("" for any
// other device). The VM and backup packages both read device lists with it.
func ControllerFamily(d types.BaseVirtualDevice) string {
	switch d.(type) {
	case types.BaseVirtualSCSIController:
		return ControllerSCSI
	case *types.VirtualAHCIController, *types.VirtualSATAController:
		return ControllerSATA
	case *types.VirtualNVMEController:
		return ControllerNVMe
	case *types.VirtualIDEController:
		return ControllerIDE
	}
	return ""
}

// SCSIType names a SCSI controller's model the way govmomi's
// CreateSCSIController takes it ("" for any other device).
func SCSIType(d types.BaseVirtualDevice) string {
	switch d.(type) {
	case *types.ParaVirtualSCSIController:
		return "pvscsi"
	case *types.VirtualLsiLogicController:
		return "lsilogic"
	case *types.VirtualLsiLogicSASController:
		return "lsilogic-sas"
	case *types.VirtualBusLogicController:
		return "buslogic"
	}
	return ""
}

// AdapterType names a network adapter's model the way govmomi's
// CreateEthernetCard takes it ("unknown" for a model ceso does not name).
func AdapterType(d types.BaseVirtualDevice) string {
	switch d.(type) {
	case *types.VirtualVmxnet3:
		return "vmxnet3"
	case *types.VirtualE1000e:
		return "e1000e"
	case *types.VirtualE1000:
		return "e1000"
	case *types.VirtualVmxnet2:
		return "vmxnet2"
	case *types.VirtualPCNet32:
		return "pcnet32"
	case *types.VirtualSriovEthernetCard:
		return "sriov"
	case *types.VirtualVmxnet3Vrdma:
		return "vrdma"
	}
	return "unknown"
}
