package vm

import (
	"context"

	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/esxi"
)

// A virtual TPM keeps its secrets in the VM's files, which vCenter
// encrypts with a key from its default key provider (a Native Key
// Provider or a KMS): a standalone ESXi host cannot add one, and neither
// can a vCenter without a key provider. The guest sees it through UEFI,
// so the VM needs EFI firmware.

func vtpms(devs []types.BaseVirtualDevice) []*types.VirtualTPM {
	var out []*types.VirtualTPM
	for _, d := range devs {
		if t, ok := d.(*types.VirtualTPM); ok {
			out = append(out, t)
		}
	}
	return out
}

// checkVTPM refuses, without the host, a virtual TPM where it cannot be:
// on a standalone host, or with BIOS firmware.
func checkVTPM(vcenter bool, firmware string) error {
	if !vcenter {
		return fieldErr("vtpm", "Virtual TPM Needs vCenter",
			"a standalone ESXi host cannot add a virtual TPM: it needs vCenter Server with a key provider (a Native Key Provider or a KMS) set as the default, "+
				"which encrypts the VM's files. Manage this VM through vCenter, or remove vtpm.")
	}
	if firmware != string(types.GuestOsDescriptorFirmwareTypeEfi) {
		return fieldErr("vtpm", "Virtual TPM Needs EFI",
			"the VM boots with %s firmware; a virtual TPM is a UEFI feature. Set firmware = \"efi\" (which replaces an existing VM), or remove vtpm.", orDefault(firmware, "bios"))
	}
	return nil
}

// planVTPM adds or removes the virtual TPM. Neither can happen while the
// VM runs.
func (pl *planner) planVTPM(p *plan) []error {
	want, have, on := *pl.s.VTPM, vtpms(pl.v.devices), pl.poweredOn()
	switch {
	case want && len(have) == 0:
		if err := checkVTPM(pl.vcenter, pl.v.vm.Firmware); err != nil {
			return []error{err}
		}
		if pl.keyProvider != nil {
			if err := pl.keyProvider(); err != nil {
				return []error{err}
			}
		}
		p.spec.DeviceChange = append(p.spec.DeviceChange, &types.VirtualDeviceConfigSpec{
			Operation: types.VirtualDeviceConfigSpecOperationAdd, Device: &types.VirtualTPM{VirtualDevice: types.VirtualDevice{Key: p.key()}}})
		p.changed("vtpm", on)
	case !want && len(have) > 0:
		for _, t := range have {
			p.spec.DeviceChange = append(p.spec.DeviceChange, &types.VirtualDeviceConfigSpec{
				Operation: types.VirtualDeviceConfigSpecOperationRemove, Device: t})
		}
		p.changed("vtpm", on)
	}
	return nil
}

// keyProviderCheck asks vCenter for its default key provider, once, when a
// plan adds a virtual TPM.
func (m *Manager) keyProviderCheck(with withSession) func() error {
	if !m.vcenter() {
		return nil
	}
	return func() error {
		return with(func(ctx context.Context, s *esxi.Session) error {
			cm := s.Client.ServiceContent.CryptoManager
			if cm == nil {
				return errNoKeyProvider(nil)
			}
			res, err := methods.GetDefaultKmsCluster(ctx, s.Client, &types.GetDefaultKmsCluster{This: *cm, DefaultsToParent: types.NewBool(true)})
			if err != nil || res.Returnval == nil || res.Returnval.Id == "" {
				return errNoKeyProvider(err)
			}
			return nil
		})
	}
}

func errNoKeyProvider(err error) error {
	fe := fieldErr("vtpm", "Virtual TPM Needs A Key Provider",
		"vCenter has no default key provider, which a virtual TPM needs to encrypt the VM's files. Add a Native Key Provider or a KMS "+
			"(Configure > Security > Key Providers) and mark it as the default, or remove vtpm.")
	fe.Err = err
	return fe
}
