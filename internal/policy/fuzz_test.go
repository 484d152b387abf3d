package policy

import (
	"strings"
	"testing"
	"time"
)

// FuzzParseGrant feeds arbitrary tokens to the verifier. It must never
// panic, and must never accept a token that was not signed by the trusted
// key: the fuzzer does not know the private key, so any acceptance of a
// token other than the seed itself is a forgery.
func FuzzParseGrant(f *testing.F) {
	alice := newApprover(f, "alice")
	good := alice.issue(f, okRequest())
	f.Add(good)
	f.Add("")
	f.Add("ceso-grant.v1..")
	f.Add(strings.ToUpper(good))
	f.Fuzz(func(t *testing.T, token string) {
		g, err := ParseGrant(token, alice.keys, t0.Add(time.Minute))
		if err == nil {
			if strings.TrimSpace(token) != good {
				t.Fatalf("accepted a token the fuzzer made: %q -> %+v", token, g)
			}
			if g.KeyName != "alice" {
				t.Fatalf("accepted grant lacks its key name: %+v", g)
			}
		}
		// Inspect must not panic either, and agrees on structure.
		if ig, ierr := InspectGrant(token); ierr == nil && ig == nil {
			t.Fatal("InspectGrant returned neither grant nor error")
		}
	})
}
