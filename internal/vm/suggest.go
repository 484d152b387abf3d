package vm

import (
	"github.com/esxi-commander/terraform-provider-ceso/internal/esxi"
	"github.com/esxi-commander/terraform-provider-ceso/internal/suggest"
)

// nearTemplates words the closest templates to a template value that was
// not found, else the closest VMs (any VM can be a source); "" when
// nothing is close.
func nearTemplates(snap *esxi.Snapshot, value string) string {
	var tmpls, vms []string
	for _, v := range snap.VMs {
		if v.Template {
			tmpls = append(tmpls, v.Name)
		}
		vms = append(vms, v.Name)
	}
	if near := suggest.Closest(value, tmpls, 3); len(near) > 0 {
		return suggest.Phrase(near)
	}
	return suggest.Phrase(suggest.Closest(value, vms, 3))
}
