package simhost

import (
	"sync"
	"time"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/types"
)

// DefaultNFCLeaseTimeout is how long a simulated NFC lease lives without a
// sign of life, as the lease timeout a real host announces (300 s).
const DefaultNFCLeaseTimeout = 300 * time.Second

// nfcLeases makes NFC leases expire. A real host aborts an import or export
// lease that hears nothing from the client (HttpNfcLeaseProgress) for its
// timeout; the simulator keeps them forever. ceso renews its leases while
// it uploads, and this rule makes a regression in that keep-alive fail in
// tests instead of passing silently.
type nfcLeases struct {
	mu       sync.Mutex
	imported map[string]time.Time                       // session -> its last ImportVApp
	seen     map[types.ManagedObjectReference]time.Time // lease -> its last sign of life
}

// nfcRule applies the lease timeout to the lease methods a client calls.
func (h *Host) nfcRule(ctx *simulator.Context, m *simulator.Method) types.BaseMethodFault {
	timeout := h.Options.NFCLeaseTimeout
	if timeout == 0 {
		timeout = DefaultNFCLeaseTimeout
	}
	session := ""
	if ctx.Session != nil {
		session = ctx.Session.Key
	}
	now := time.Now()
	l := &h.nfc
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.imported == nil {
		l.imported = map[string]time.Time{}
		l.seen = map[types.ManagedObjectReference]time.Time{}
	}
	switch m.Name {
	case "ImportVApp", "ExportVm":
		l.imported[session] = now
	case "HttpNfcLeaseProgress", "HttpNfcLeaseComplete", "HttpNfcLeaseGetManifest":
		last, ok := l.seen[m.This]
		if !ok {
			if last, ok = l.imported[session]; !ok {
				last = now
			}
		}
		if now.Sub(last) > timeout {
			return &types.InvalidState{VimFault: types.VimFault{MethodFault: types.MethodFault{
				FaultMessage: []types.LocalizableMessage{{Key: "msg.nfc.lease.timeout",
					Message: "The NFC lease timed out: the client sent no progress for " + timeout.String()}}}}}
		}
		l.seen[m.This] = now
	}
	return nil
}
