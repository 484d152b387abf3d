package vm

import (
	"fmt"

	"github.com/esxi-commander/terraform-provider-ceso/internal/backup"
	"github.com/esxi-commander/terraform-provider-ceso/internal/esxi"
)

// precheck looks up every network and disk datastore the spec names, so a
// typo fails before anything is made.
func precheck(snap *esxi.Snapshot, s *Spec, tmpl *esxi.VM, dc string, vcenter bool) error {
	var errs []error
	if tmpl != nil && vcenter && s.HardwareVersion > 0 && s.HardwareVersion < hwVersion(tmpl.HWVersion) {
		errs = append(errs, fieldErr("hardware_version", "Hardware version below the template's",
			"template %s has %s; a clone keeps at least that version, so hardware_version must be %d or more.", tmpl.Name, tmpl.HWVersion, hwVersion(tmpl.HWVersion)))
	}
	for i, n := range s.NICs {
		if _, err := snap.FindNetwork(n.Network, dc); err != nil {
			e := lookupFieldErr("network_interface", "Network", err)
			e.Index, e.Sub = i, "network"
			errs = append(errs, e)
		}
	}
	for i, d := range s.Disks {
		if d.Datastore == "" {
			continue
		}
		if _, err := snap.FindDatastore(d.Datastore, dc); err != nil {
			e := lookupFieldErr("disk", "Datastore", err)
			e.Index, e.Sub = i, "datastore"
			errs = append(errs, e)
		}
	}
	if len(errs) > 0 {
		return joinErrs(errs)
	}
	return nil
}

// restoreErr attaches a backup's refusal to the backup attribute.
func restoreErr(err error) error {
	if fe, ok := backup.AsFieldError(err); ok {
		return &FieldError{Field: "backup", Index: -1, Summary: fe.Summary, Detail: fe.Detail, Err: err}
	}
	return err
}

func templateErr(snap *esxi.Snapshot, value string, err error) error {
	if IsNotFound(err) || esxi.IsNotFound(err) {
		detail := fmt.Sprintf("no VM or template with name, UUID or path %q exists; list them with the ceso_templates or ceso_vms data source.", value)
		if near := nearTemplates(snap, value); near != "" {
			detail = fmt.Sprintf("no VM or template with name, UUID or path %q exists. %s List them all with the ceso_templates or ceso_vms data source.", value, near)
		}
		return &FieldError{Field: "template", Index: -1, Summary: "Template not found", Detail: detail, Err: err}
	}
	return &FieldError{Field: "template", Index: -1, Summary: "Ambiguous template", Detail: err.Error(), Err: err}
}
