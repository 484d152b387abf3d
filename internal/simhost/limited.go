package simhost

import (
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/types"
)

// Strict rule: a limited role cannot read licences.
//
// On a real host, an account whose role lacks Global.Licenses gets
// NoPermission when it reads LicenseManager.licenses, while it can still
// read the inventory and, with the right privileges, change VMs. The
// simulator has one all-powerful account. With Options.LimitedUser the
// host accepts a second account (same password) whose reads of the
// LicenseManager fail that way.

// enableLimitedUser lets the limited account log in.
func (h *Host) enableLimitedUser() {
	if h.Options.LimitedUser == "" {
		return
	}
	h.Model.Map().SessionManager().ValidLogin = func(req *types.Login) bool {
		return req.Password == h.Password && (req.UserName == h.Username || req.UserName == h.Options.LimitedUser)
	}
}

// limitedRefusal is the fault a limited account's call gets, or nil.
func (h *Host) limitedRefusal(ctx *simulator.Context, m *simulator.Method) types.BaseMethodFault {
	if h.Options.LimitedUser == "" || ctx.Session == nil || ctx.Session.UserName != h.Options.LimitedUser {
		return nil
	}
	var specs []types.PropertyFilterSpec
	switch b := m.Body.(type) {
	case *types.RetrieveProperties:
		specs = b.SpecSet
	case *types.RetrievePropertiesEx:
		specs = b.SpecSet
	}
	for _, s := range specs {
		for _, o := range s.ObjectSet {
			if o.Obj.Type == "LicenseManager" {
				return &types.NoPermission{SecurityError: types.SecurityError{RuntimeFault: types.RuntimeFault{MethodFault: types.MethodFault{
					FaultMessage: []types.LocalizableMessage{{Key: "vim.fault.NoPermission", Message: "Permission to perform this operation was denied."}}}}},
					Object: &o.Obj, PrivilegeId: "Global.Licenses"}
			}
		}
	}
	return nil
}
