package esxi

import (
	"encoding/hex"
	"strings"
	"testing"
)

// FuzzParseHost feeds arbitrary host settings (the provider block's host or
// CESO_HOST) to the parser. It never panics, and what it accepts is an
// http(s) URL with a host name, a port in range when one is given, a path,
// and no credentials: credentials come only from username and password.
func FuzzParseHost(f *testing.F) {
	for _, seed := range []string{
		"esxi01", "esxi01.example.com:8443", "10.0.0.5", "fd00::5", "[fd00::5]:443", "https://esxi01/sdk",
		"http://127.0.0.1:8989/sdk", "https://root:secret@esxi01/sdk", "ftp://esxi01", "bad host!", "esxi01:0",
		"esxi01:99999", "https://", "", " esxi01 ", "https://esxi01:443/sdk?x=1#frag", "[::1]", "::1",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, host string) {
		u, err := ParseHost(host)
		if err != nil {
			if _, ok := AsFieldError(err); !ok {
				t.Fatalf("ParseHost(%q) error %v does not name the host field", host, err)
			}
			return
		}
		if u.Scheme != "https" && u.Scheme != "http" {
			t.Fatalf("ParseHost(%q) scheme %q", host, u.Scheme)
		}
		if u.Hostname() == "" || u.Path == "" {
			t.Fatalf("ParseHost(%q) = %q: no host name or path", host, u)
		}
		if u.User != nil || strings.Contains(u.Host, "@") {
			t.Fatalf("ParseHost(%q) = %q keeps credentials", host, u)
		}
		// The URL it returns is accepted again as it is.
		again, err := ParseHost(u.String())
		if err != nil || again.String() != u.String() {
			t.Fatalf("ParseHost(%q) = %q, which parses again as %v, %v", host, u, again, err)
		}
	})
}

// FuzzNormalizeThumbprint feeds arbitrary pins to the thumbprint parser: it
// never panics, and what it accepts is the SHA-1 or SHA-256 it was given,
// in govmomi's form, unchanged by a second normalization.
func FuzzNormalizeThumbprint(f *testing.F) {
	for _, seed := range []string{
		strings.Repeat("AB:", 31) + "AB", strings.Repeat("ab", 32), strings.Repeat("0", 40), "not-hex", "",
		strings.Repeat("ab", 31) + "a", " AB-CD " + strings.Repeat("EF", 30), strings.Repeat("Ab", 20) + "\n",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, tp string) {
		norm, err := NormalizeThumbprint(tp)
		if err != nil {
			return
		}
		raw, derr := hex.DecodeString(strings.ReplaceAll(norm, ":", ""))
		if derr != nil || (len(raw) != 20 && len(raw) != 32) || strings.ToUpper(norm) != norm {
			t.Fatalf("NormalizeThumbprint(%q) = %q", tp, norm)
		}
		if again, err := NormalizeThumbprint(norm); err != nil || again != norm {
			t.Fatalf("NormalizeThumbprint(%q) = %q, normalized again %q, %v", tp, norm, again, err)
		}
	})
}
