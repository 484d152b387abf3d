package simhost

import (
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/types"
)

// Strict rule: property reads come in pages, and a page token belongs to
// the session that got it.
//
// A real host answers RetrievePropertiesEx with at most a few hundred
// objects per page whatever MaxObjects the client asks (0 asks for no
// limit), and the client fetches the rest with ContinueRetrievePropertiesEx
// and the token of the page. The token, like the container view the read
// goes through, belongs to the session: after the session ends (and the
// client logs in again) the token is invalid and the read must start over.
// The simulator returns everything in one page unless asked, and keeps its
// tokens for any session. With Options.PageSize the host caps every page
// at that size and refuses a token from a session that never started a
// paged read.

// pageRule applies the rule to one call; it may change the request.
func (h *Host) pageRule(ctx *simulator.Context, m *simulator.Method) types.BaseMethodFault {
	size := int32(h.Options.PageSize) //nolint:gosec // a small test setting
	if size <= 0 || ctx.Session == nil {
		return nil
	}
	switch b := m.Body.(type) {
	case *types.RetrievePropertiesEx:
		if b.Options.MaxObjects <= 0 || b.Options.MaxObjects > size {
			b.Options.MaxObjects = size
		}
		h.mu.Lock()
		if h.paged == nil {
			h.paged = map[string]bool{}
		}
		h.paged[ctx.Session.Key] = true
		h.mu.Unlock()
	case *types.ContinueRetrievePropertiesEx:
		h.mu.Lock()
		ok := h.paged[ctx.Session.Key]
		h.mu.Unlock()
		if !ok {
			return &types.InvalidProperty{Name: "token"}
		}
	}
	return nil
}
