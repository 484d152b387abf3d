package esxi_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/esxi-commander/terraform-provider-ceso/internal/esxi"
)

func TestParseHost(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in, want string // want "" means an error
		summary  string // for errors
	}{
		{in: "esxi01", want: "https://esxi01/sdk"},
		{in: "  esxi01.example.com  ", want: "https://esxi01.example.com/sdk"},
		{in: "ESXi01.Example.COM", want: "https://ESXi01.Example.COM/sdk"},
		{in: "esxi01:8443", want: "https://esxi01:8443/sdk"},
		{in: "10.0.0.5", want: "https://10.0.0.5/sdk"},
		{in: "10.0.0.5:443", want: "https://10.0.0.5:443/sdk"},
		{in: "fd00::5", want: "https://[fd00::5]/sdk"},
		{in: "[fd00::5]", want: "https://[fd00::5]/sdk"},
		{in: "[fd00::5]:443", want: "https://[fd00::5]:443/sdk"},
		{in: "https://esxi01.example.com/sdk", want: "https://esxi01.example.com/sdk"},
		{in: "https://esxi01.example.com/", want: "https://esxi01.example.com/sdk"},
		{in: "https://vc.example.com/custom/sdk", want: "https://vc.example.com/custom/sdk"},
		{in: "http://127.0.0.1:8989/sdk", want: "http://127.0.0.1:8989/sdk"},
		{in: "https://root:secret@esxi01/sdk", want: "https://esxi01/sdk"},

		{in: "", summary: "Missing host"},
		{in: "   ", summary: "Missing host"},
		{in: "ftp://esxi01", summary: "Invalid host"},
		{in: "ssh://esxi01:22", summary: "Invalid host"},
		{in: "https://", summary: "Invalid host"},
		{in: "https://:443", summary: "Invalid host"},
		{in: "esxi_01", summary: "Invalid host"},
		{in: "-esxi01", summary: "Invalid host"},
		{in: "esxi 01", summary: "Invalid host"},
		{in: "esxi01:0", summary: "Invalid host"},
		{in: "esxi01:65536", summary: "Invalid host"},
		{in: "esxi01:abc", summary: "Invalid host"},
		{in: "[fd00::5]:99999", summary: "Invalid host"},
		{in: "fd00::zz", summary: "Invalid host"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			t.Parallel()
			u, err := esxi.ParseHost(tc.in)
			if tc.want != "" {
				if err != nil {
					t.Fatalf("ParseHost(%q): %v", tc.in, err)
				}
				if got := u.String(); got != tc.want {
					t.Errorf("ParseHost(%q) = %s, want %s", tc.in, got, tc.want)
				}
				return
			}
			fe, ok := esxi.AsFieldError(err)
			if !ok || fe.Field != "host" || fe.Summary != tc.summary {
				t.Fatalf("ParseHost(%q) = %v, %v; want a FieldError on host: %s", tc.in, u, err, tc.summary)
			}
			if fe.Detail == "" {
				t.Error("error has no detail")
			}
		})
	}
}

func TestNormalizeThumbprint(t *testing.T) {
	t.Parallel()
	const (
		sha1   = "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01"
		sha256 = "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF"
	)
	for _, tc := range []struct{ in, want string }{
		{sha1, sha1},
		{strings.ToLower(sha1), sha1},
		{strings.ReplaceAll(sha1, ":", ""), sha1},
		{strings.ReplaceAll(strings.ToLower(sha1), ":", " "), sha1},
		{" " + strings.ReplaceAll(sha1, ":", "-") + " ", sha1},
		{sha256, sha256},
		{strings.ReplaceAll(strings.ToLower(sha256), ":", ""), sha256},

		{"", ""},
		{"AB:CD", ""},
		{sha1 + ":02", ""}, // 21 bytes
		{strings.Replace(sha1, "AB", "AG", 1), ""},      // not hex
		{strings.ReplaceAll(sha256, ":", "") + "0", ""}, // odd length
		{strings.ReplaceAll(sha256, ":", "")[:62], ""},  // 31 bytes
	} {
		got, err := esxi.NormalizeThumbprint(tc.in)
		if tc.want != "" {
			if err != nil || got != tc.want {
				t.Errorf("NormalizeThumbprint(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
			continue
		}
		if fe, ok := esxi.AsFieldError(err); !ok || fe.Field != "tls_thumbprint" || !strings.Contains(fe.Detail, "SHA-256") {
			t.Errorf("NormalizeThumbprint(%q) = %q, %v; want a FieldError on tls_thumbprint", tc.in, got, err)
		}
	}
}

// fieldsOf lists the fields of every FieldError joined in err.
func fieldsOf(err error) []string {
	var out []string
	var walk func(error)
	walk = func(err error) {
		if fe, ok := err.(*esxi.FieldError); ok { //nolint:errorlint // walking the join tree by hand, one level at a time
			out = append(out, fe.Field)
			return
		}
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range j.Unwrap() {
				walk(e)
			}
		}
	}
	walk(err)
	slices.Sort(out)
	return out
}

func TestValidate(t *testing.T) {
	t.Parallel()
	ok := esxi.Config{Host: "esxi01", Username: "root", Password: "x"}
	for _, tc := range []struct {
		name   string
		change func(*esxi.Config)
		fields []string
		detail string
	}{
		{"defaults", func(*esxi.Config) {}, nil, ""},
		{"explicit pool", func(c *esxi.Config) { c.MinSessions, c.MaxSessions = 3, 3 }, nil, ""},
		{"min only", func(c *esxi.Config) { c.MinSessions = 5 }, nil, ""},
		{"max below default min", func(c *esxi.Config) { c.MaxSessions = 1 }, nil, ""},
		{"empty password", func(c *esxi.Config) { c.Password = "" }, nil, ""},
		{"pinned", func(c *esxi.Config) { c.Thumbprint = strings.Repeat("ab", 32) }, nil, ""},

		{"no host", func(c *esxi.Config) { c.Host = "" }, []string{"host"}, "CESO_HOST"},
		{"bad host", func(c *esxi.Config) { c.Host = "ftp://esxi01" }, []string{"host"}, "scheme ftp"},
		{"no username", func(c *esxi.Config) { c.Username = "" }, []string{"username"}, "CESO_USERNAME"},
		{"min above max", func(c *esxi.Config) { c.MinSessions, c.MaxSessions = 5, 2 }, []string{"pool.min_sessions"}, "min_sessions (5) is larger than max_sessions (2)"},
		{"negative min", func(c *esxi.Config) { c.MinSessions = -2 }, []string{"pool.min_sessions"}, "0 or more"},
		{"negative max", func(c *esxi.Config) { c.MaxSessions = -3 }, []string{"pool.max_sessions"}, "1 or more"},
		{"negative idle timeout", func(c *esxi.Config) { c.IdleTimeout = -time.Second }, []string{"pool.idle_timeout"}, "positive duration"},
		{"negative api timeout", func(c *esxi.Config) { c.APITimeout = -time.Second }, []string{"api_timeout"}, "positive duration"},
		{"bad thumbprint", func(c *esxi.Config) { c.Thumbprint = "abc" }, []string{"tls_thumbprint"}, "SHA-256"},
		{"everything wrong", func(c *esxi.Config) {
			*c = esxi.Config{MinSessions: -2, MaxSessions: -1, IdleTimeout: -1, APITimeout: -1, Thumbprint: "x"}
		}, []string{"api_timeout", "host", "pool.idle_timeout", "pool.max_sessions", "pool.min_sessions", "tls_thumbprint", "username"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := ok
			tc.change(&c)
			err := c.Validate()
			if got := fieldsOf(err); !slices.Equal(got, tc.fields) {
				t.Fatalf("Validate() = %v; fields %v, want %v", err, got, tc.fields)
			}
			if tc.detail != "" && !strings.Contains(err.Error(), tc.detail) {
				t.Errorf("Validate() = %q, want it to mention %q", err, tc.detail)
			}
			// NewPool refuses what Validate refuses, before any network access.
			if p, perr := esxi.NewPool(c, nil); (perr == nil) != (err == nil) {
				t.Errorf("NewPool error %v, Validate error %v", perr, err)
			} else if p != nil {
				p.Close(t.Context())
			}
		})
	}
}

func TestConfigDefaults(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		min, max int
		wantMin  int
		wantMax  int
	}{
		{"unset", 0, 0, esxi.DefaultMinSessions, esxi.DefaultMaxSessions},
		{"small max lowers the default min", 0, 1, 1, 1},
		{"explicit", 4, 6, 4, 6},
	} {
		p, err := esxi.NewPool(esxi.Config{Host: "esxi01", Username: "root", MinSessions: tc.min, MaxSessions: tc.max}, nil)
		if err != nil {
			t.Fatal(err)
		}
		c := p.Config()
		p.Close(t.Context())
		if c.MinSessions != tc.wantMin || c.MaxSessions != tc.wantMax {
			t.Errorf("%s: sessions %d..%d, want %d..%d", tc.name, c.MinSessions, c.MaxSessions, tc.wantMin, tc.wantMax)
		}
		if c.IdleTimeout != esxi.DefaultIdleTimeout || c.APITimeout != esxi.DefaultAPITimeout ||
			c.HealthCheckAfter != esxi.DefaultHealthCheckAfter || c.KeepAlive != esxi.DefaultIdleTimeout/2 ||
			c.InventoryTTL != esxi.DefaultInventoryTTL {
			t.Errorf("%s: defaults not applied: %+v", tc.name, c)
		}
	}
}
