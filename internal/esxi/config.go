// Package esxi is ceso's facade over govmomi: a provider-scoped session pool,
// host facts, batched inventory reads, task waits and fault mapping. Nothing in
// it knows about Terraform, so it is tested directly against the simulator.
package esxi

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// Defaults applied when a Config field is left at its zero value.
const (
	DefaultMinSessions = 2
	// NoMinSessions asks for no sessions kept idle (MinSessions 0 means
	// "the default").
	NoMinSessions      = -1
	DefaultMaxSessions = 10
	DefaultIdleTimeout = 5 * time.Minute
	DefaultAPITimeout  = 5 * time.Minute
	// DefaultHealthCheckAfter is how long a session may sit idle before it is
	// checked with a cheap call on its next use. Checking every reuse would
	// cost a round trip per operation; a stale session is also caught by the
	// re-login transport, so the check only needs to catch long idle gaps.
	DefaultHealthCheckAfter = 30 * time.Second
	// DefaultInventoryTTL bounds how stale a shared inventory read may be. It
	// only needs to cover one refresh wave; the provider's own writes
	// invalidate it at once.
	DefaultInventoryTTL = 10 * time.Second
)

// Config says how to reach and log in to one ESXi host or vCenter.
type Config struct {
	Host       string // host name, host:port or URL
	Username   string
	Password   string
	Insecure   bool   // skip TLS verification (explicit opt-out)
	Thumbprint string // pin the host certificate (SHA-1 or SHA-256, hex, colons optional)
	Datacenter string // default datacenter on vCenter; ignored on a standalone host
	APITimeout time.Duration

	MinSessions      int
	MaxSessions      int
	IdleTimeout      time.Duration
	HealthCheckAfter time.Duration
	KeepAlive        time.Duration
	InventoryTTL     time.Duration

	// OnCall is told the method name of every SOAP round trip (for metrics).
	OnCall func(method string)
	// OnPoolEvent is told of pool events: created, expired, health_check_failed, relogin.
	OnPoolEvent func(event string)
	// AroundFetch, when set, runs each batched inventory read (fetch does
	// the read); the provider uses it to audit one record per refresh batch.
	AroundFetch func(ctx context.Context, fetch func(context.Context) error) error
}

// FieldError names the configuration field at fault, so the provider can
// attach the message to the right attribute. The domain packages that have
// nothing to add to it (hostnet, snapshot, virtualdisk, image, dsfile) use
// this one type.
type FieldError struct {
	Field   string // attribute name, e.g. "host" or "pool.max_sessions"
	Summary string // short, Title Case
	Detail  string // what is wrong and what to do
	Err     error  // the cause, if any
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Summary + ": " + e.Detail }

func (e *FieldError) Unwrap() error { return e.Err }

// AsFieldError reports whether err carries a FieldError.
func AsFieldError(err error) (*FieldError, bool) {
	var fe *FieldError
	ok := errors.As(err, &fe)
	return fe, ok
}

// withDefaults returns a copy of c with zero values replaced by defaults.
func (c Config) withDefaults() Config {
	switch c.MinSessions {
	case 0:
		c.MinSessions = DefaultMinSessions
	case NoMinSessions:
		c.MinSessions = 0
	}
	if c.MaxSessions == 0 {
		c.MaxSessions = DefaultMaxSessions
	}
	if c.MinSessions > c.MaxSessions && c.MaxSessions > 0 {
		// Only the explicit min > max case is an error (see Validate); a
		// default min above an explicit small max is lowered quietly.
		c.MinSessions = c.MaxSessions
	}
	if c.IdleTimeout == 0 {
		c.IdleTimeout = DefaultIdleTimeout
	}
	if c.APITimeout == 0 {
		c.APITimeout = DefaultAPITimeout
	}
	if c.HealthCheckAfter == 0 {
		c.HealthCheckAfter = DefaultHealthCheckAfter
	}
	if c.KeepAlive == 0 {
		c.KeepAlive = c.IdleTimeout / 2
	}
	if c.InventoryTTL == 0 {
		c.InventoryTTL = DefaultInventoryTTL
	}
	return c
}

// Validate checks the configuration without touching the network.
func (c Config) Validate() error {
	var errs []error
	if _, err := ParseHost(c.Host); err != nil {
		errs = append(errs, err)
	}
	if c.Username == "" {
		errs = append(errs, &FieldError{Field: "username", Summary: "Missing username",
			Detail: "Set username in the provider block or CESO_USERNAME."})
	}
	if c.MinSessions < 0 && c.MinSessions != NoMinSessions {
		errs = append(errs, &FieldError{Field: "pool.min_sessions", Summary: "Invalid pool size",
			Detail: fmt.Sprintf("min_sessions is %d; it must be 0 or more.", c.MinSessions)})
	}
	if c.MaxSessions < 0 {
		errs = append(errs, &FieldError{Field: "pool.max_sessions", Summary: "Invalid pool size",
			Detail: fmt.Sprintf("max_sessions is %d; it must be 1 or more.", c.MaxSessions)})
	}
	if c.MinSessions > 0 && c.MaxSessions > 0 && c.MinSessions > c.MaxSessions {
		errs = append(errs, &FieldError{Field: "pool.min_sessions", Summary: "Invalid pool size",
			Detail: fmt.Sprintf("min_sessions (%d) is larger than max_sessions (%d); lower min_sessions or raise max_sessions.", c.MinSessions, c.MaxSessions)})
	}
	if c.IdleTimeout < 0 {
		errs = append(errs, &FieldError{Field: "pool.idle_timeout", Summary: "Invalid idle timeout",
			Detail: "idle_timeout must be a positive duration such as \"5m\"."})
	}
	if c.APITimeout < 0 {
		errs = append(errs, &FieldError{Field: "api_timeout", Summary: "Invalid API timeout",
			Detail: "api_timeout must be a positive duration such as \"2m\"."})
	}
	if c.Thumbprint != "" {
		if _, err := NormalizeThumbprint(c.Thumbprint); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// ParseHost accepts "esxi01", "esxi01:8443", "10.0.0.5", "fd00::5",
// "[fd00::5]:443" or a full URL, and returns the SDK endpoint URL (https,
// path /sdk unless given).
func ParseHost(host string) (*url.URL, error) {
	bad := func(why string) error {
		return &FieldError{Field: "host", Summary: "Invalid host",
			Detail: fmt.Sprintf("%q %s. Give a host name, an IP address, host:port, or a URL such as https://esxi01.example.com/sdk (also CESO_HOST).", host, why)}
	}
	h := strings.TrimSpace(host)
	if h == "" {
		return nil, &FieldError{Field: "host", Summary: "Missing host",
			Detail: "Set host in the provider block or CESO_HOST to the ESXi host or vCenter name, address or URL."}
	}
	if !strings.Contains(h, "://") {
		if strings.Contains(h, ":") && net.ParseIP(h) != nil {
			h = "[" + h + "]" // a bare IPv6 address: its colons are not a port
		}
		h = "https://" + h
	}
	u, err := url.Parse(h)
	if err != nil {
		return nil, bad("is not a valid host or URL")
	}
	if u.Scheme != "https" && u.Scheme != "http" {
		return nil, bad("has scheme " + u.Scheme + "; only https (or http for a local simulator) is accepted")
	}
	name := u.Hostname()
	if name == "" {
		return nil, bad("has no host name")
	}
	if net.ParseIP(name) == nil && !hostnamePattern.MatchString(name) {
		return nil, bad("is not a valid host name")
	}
	if p := u.Port(); p != "" {
		var n int
		if _, err := fmt.Sscanf(p, "%d", &n); err != nil || n < 1 || n > 65535 {
			return nil, bad("has an invalid port")
		}
	}
	if u.Scheme == "http" && !isLoopback(name) {
		return nil, &FieldError{Field: "host", Summary: "Plain HTTP Refused",
			Detail: fmt.Sprintf("%q uses http://, which would send the password in clear text to %s. Use https://; plain http is accepted only for a simulator on this machine (localhost, 127.0.0.1, ::1).", host, name)}
	}
	if u.Path == "" || u.Path == "/" {
		u.Path = "/sdk"
	}
	u.User = nil // credentials come from username/password, never the URL
	return u, nil
}

var hostnamePattern = regexp.MustCompile(`^(?i)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$`)

// NormalizeThumbprint returns the thumbprint in govmomi's form (upper-case hex
// pairs joined by colons); SHA-1 (20 bytes) and SHA-256 (32 bytes) are accepted.
func NormalizeThumbprint(tp string) (string, error) {
	hexOnly := strings.ToUpper(strings.NewReplacer(":", "", " ", "", "-", "").Replace(strings.TrimSpace(tp)))
	if (len(hexOnly) != 40 && len(hexOnly) != 64) || !regexp.MustCompile(`^[0-9A-F]+$`).MatchString(hexOnly) {
		return "", &FieldError{Field: "tls_thumbprint", Summary: "Invalid TLS thumbprint",
			Detail: "tls_thumbprint must be the SHA-256 (64 hex digits) or SHA-1 (40 hex digits) fingerprint of the host certificate, colons optional; get it with: openssl s_client -connect HOST:443 </dev/null | openssl x509 -noout -fingerprint -sha256"}
	}
	pairs := make([]string, 0, len(hexOnly)/2)
	for i := 0; i < len(hexOnly); i += 2 {
		pairs = append(pairs, hexOnly[i:i+2])
	}
	return strings.Join(pairs, ":"), nil
}

// AllowedHost is one entry of the system policy's host list.
type AllowedHost struct {
	Host       string
	Thumbprint string
}

// HostPolicy is what the system policy says about hosts.
type HostPolicy struct {
	// Allowed, when not empty, lists the only hosts credentials go to.
	Allowed []AllowedHost
	// AllowInsecure false refuses insecure = true.
	AllowInsecure bool
	// Source names the policy for messages.
	Source string
}

// ApplyHostPolicy checks the host against the policy before anything is
// sent to it, and pins the thumbprint the policy lists (replacing the
// configuration's, and verified even with insecure = true). It runs before
// Connect, so a refused host never receives the password.
func (c *Config) ApplyHostPolicy(p HostPolicy) error {
	u, err := ParseHost(c.Host)
	if err != nil {
		return err
	}
	if !p.AllowInsecure && c.Insecure {
		return &FieldError{Field: "insecure", Summary: "Insecure Connections Not Allowed",
			Detail: fmt.Sprintf("%s sets allow_insecure = false, so TLS verification cannot be skipped. Remove insecure = true and set tls_thumbprint for a self-signed host.", p.Source)}
	}
	if len(p.Allowed) == 0 {
		return nil
	}
	var names []string
	for _, a := range p.Allowed {
		names = append(names, a.Host)
		au, err := ParseHost(a.Host)
		if err != nil || !sameEndpoint(u, au) {
			continue
		}
		if a.Thumbprint != "" {
			tp, err := NormalizeThumbprint(a.Thumbprint)
			if err != nil {
				return &FieldError{Field: "host", Summary: "Invalid Policy Thumbprint",
					Detail: fmt.Sprintf("%s lists host %s with a thumbprint that is not a SHA-256 or SHA-1 fingerprint; ask its administrator to fix it.", p.Source, a.Host)}
			}
			c.Thumbprint = tp
		}
		return nil
	}
	return &FieldError{Field: "host", Summary: "Host Not Allowed",
		Detail: fmt.Sprintf("%s is not among the hosts %s allows (%s); nothing was sent to it, no credentials included. Use one of those hosts, or ask the policy's administrator to add this one.",
			u.Host, p.Source, strings.Join(names, ", "))}
}

// sameEndpoint compares host names without regard to case, and ports with
// the scheme's default filled in.
func sameEndpoint(a, b *url.URL) bool {
	port := func(u *url.URL) string {
		if p := u.Port(); p != "" {
			return p
		}
		if u.Scheme == "http" {
			return "80"
		}
		return "443"
	}
	return strings.EqualFold(a.Hostname(), b.Hostname()) && port(a) == port(b) && a.Scheme == b.Scheme
}

// isLoopback reports whether a host name is this machine: plain http is
// accepted there only (a local simulator), never over a network.
func isLoopback(name string) bool {
	if strings.EqualFold(name, "localhost") {
		return true
	}
	ip := net.ParseIP(name)
	return ip != nil && ip.IsLoopback()
}
