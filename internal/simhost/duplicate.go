package simhost

import (
	"net/url"
	"strings"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/types"
)

// Strict rule: CreateVM_Task refuses a name a VM of the folder has.
//
// A real host refuses a second VM of a name in one folder (DuplicateName).
// The simulator only refuses when the new VM's files would land where the
// other's are (FileAlreadyExists), so a VM of the same name on another
// datastore was made beside the first. ceso relies on the refusal: a create
// looks at the VMs of its name only when the host refuses it.
func (h *Host) duplicateRule(ctx *simulator.Context, m *simulator.Method) types.BaseMethodFault {
	req, ok := m.Body.(*types.CreateVM_Task)
	if !ok {
		return nil
	}
	folder, ok := ctx.Map.Get(m.This).(*simulator.Folder)
	if !ok {
		return nil
	}
	name := escapeName(req.Config.Name)
	var clash types.BaseMethodFault
	ctx.WithLock(folder, func() {
		if obj := ctx.Map.FindByName(name, folder.ChildEntity); obj != nil && obj.Reference().Type == "VirtualMachine" {
			clash = &types.DuplicateName{Name: name, Object: obj.Reference()}
		}
	})
	return clash
}

// escapeName is the name as the host stores it (as the simulator's
// CreateVM_Task does): %, / and \ escaped.
func escapeName(name string) string {
	for _, c := range []string{`%`, `/`, `\`} {
		name = strings.ReplaceAll(name, c, strings.ToLower(url.QueryEscape(c)))
	}
	return name
}
