package policy

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// DefaultPolicyPath is the system policy of a unix host (see SystemPath).
const DefaultPolicyPath = "/etc/ceso/policy.json"

// EnvPolicyFile names the environment variable that points at a policy
// when no system policy exists (development, tests). It can never replace
// a system policy: an agent sets the environment of the process it runs.
const EnvPolicyFile = "CESO_POLICY_FILE"

// maxPolicyBytes bounds the read: a policy is a few keys, and a huge file is
// a mistake (or a /dev/zero symlink) we should not try to parse.
const maxPolicyBytes = 1 << 20

// Policy is the system administrator's word: the highest mode allowed, the
// approvers whose grants are trusted, where the audit goes and which hosts
// may receive credentials. Lower layers (the environment, then HCL) may
// only tighten it.
type Policy struct {
	// Path is the file this policy came from; empty when there was none.
	Path string
	// System is true when Path is the fixed system path, the only policy
	// an agent cannot replace.
	System      bool
	MaxMode     Mode
	DefaultMode Mode
	TrustedKeys []TrustedKey
	Audit       AuditPolicy
	// Hosts, when not empty, are the only hosts credentials are sent to.
	Hosts []HostEntry
	// AllowInsecure false refuses insecure = true (skipping TLS checks).
	AllowInsecure bool
	// MaxGrantTTL is the longest lifetime of a grant accepted here.
	MaxGrantTTL time.Duration
}

// AuditPolicy fixes the audit trail.
type AuditPolicy struct {
	// File is the audit path; HCL and environment values are ignored.
	File string
	// Required: no write without its intent record, and the provider does
	// not start when the file cannot be opened.
	Required bool
	// AppendOnly (Linux): the file must carry the append-only inode flag.
	AppendOnly bool
}

// HostEntry is one host the policy allows, optionally pinned by the
// SHA-256 (or SHA-1) thumbprint of its certificate.
type HostEntry struct {
	Host          string
	TLSThumbprint string
}

// TrustedKey is an approver's public key as named in the policy file.
type TrustedKey struct {
	Name      string
	PublicKey ed25519.PublicKey
}

// NoPolicy is what applies without a policy file: no ceiling, no
// approvers (so no grant can be accepted), the standard default mode.
func NoPolicy() *Policy {
	return &Policy{MaxMode: Unrestricted, DefaultMode: DefaultMode, AllowInsecure: true, MaxGrantTTL: MaxGrantTTL}
}

// Source describes where the policy came from, for messages.
func (p *Policy) Source() string {
	switch {
	case p == nil || p.Path == "":
		return "no policy file"
	case p.System:
		return "system policy file " + p.Path
	default:
		return "policy file " + p.Path + " (from " + EnvPolicyFile + "; no system policy is installed)"
	}
}

// PolicyFileError says which policy file is wrong and why. The provider
// reports it as a configuration error: a broken policy is never ignored,
// because ignoring it would lift the ceiling the administrator set.
type PolicyFileError struct {
	Path    string
	Problem string
	Err     error
}

func (e *PolicyFileError) Error() string {
	return fmt.Sprintf("policy file %s: %s", e.Path, e.Problem)
}

func (e *PolicyFileError) Unwrap() error { return e.Err }

type policyJSON struct {
	MaxMode       string     `json:"max_mode"`
	DefaultMode   string     `json:"default_mode"`
	TrustedKeys   []keyJSON  `json:"trusted_keys"`
	Audit         *auditJSON `json:"audit"`
	Hosts         []hostJSON `json:"hosts"`
	AllowInsecure *bool      `json:"allow_insecure"`
	MaxGrantTTL   string     `json:"max_grant_ttl"`
}

type keyJSON struct {
	Name      string `json:"name"`
	PublicKey string `json:"public_key"`
}

type auditJSON struct {
	File       string `json:"file"`
	Required   bool   `json:"required"`
	AppendOnly bool   `json:"append_only"`
}

type hostJSON struct {
	Host          string `json:"host"`
	TLSThumbprint string `json:"tls_thumbprint"`
}

// Load returns the policy in force. When the system policy file exists it
// is the only policy, and it and its folders must belong to root; only
// without it is CESO_POLICY_FILE read (development, tests); with neither,
// NoPolicy applies.
func Load(getenv func(string) string) (*Policy, error) {
	return load(getenv, SystemPath(), systemOwner())
}

func load(getenv func(string) string, systemPath string, owner int) (*Policy, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	p, err := loadFile(systemPath, &owner)
	if err == nil {
		p.System = true
		return p, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	if path := getenv(EnvPolicyFile); path != "" {
		return LoadPolicyFile(path)
	}
	return NoPolicy(), nil
}

// LoadPolicyFile reads and checks a policy file that is not the system
// one (CESO_POLICY_FILE, or grant inspect --policy). It refuses files that
// someone other than the owner could have written, and owners other than
// the current user or root.
func LoadPolicyFile(path string) (*Policy, error) {
	return loadFile(path, nil)
}

// loadFile reads one policy file. With owner set (the system policy), the
// file and every folder above it must belong to that user and be closed to
// group and others; otherwise the looser rule of LoadPolicyFile applies.
func loadFile(path string, owner *int) (*Policy, error) {
	f, err := os.Open(path) //nolint:gosec // G304: the administrator's policy file, checked below.
	if err != nil {
		return nil, &PolicyFileError{Path: path, Problem: "cannot be opened: " + err.Error(), Err: err}
	}
	defer f.Close()
	// Check the open descriptor, not the path, so the file cannot be swapped
	// between the check and the read.
	fi, err := f.Stat()
	if err != nil {
		return nil, &PolicyFileError{Path: path, Problem: "cannot be inspected: " + err.Error(), Err: err}
	}
	if !fi.Mode().IsRegular() {
		return nil, &PolicyFileError{Path: path, Problem: "is not a regular file"}
	}
	if owner != nil {
		if err := checkSystemOwnership(path, fi, *owner); err != nil {
			return nil, &PolicyFileError{Path: path, Problem: err.Error()}
		}
	} else if err := checkOwnership(fi); err != nil {
		return nil, &PolicyFileError{Path: path, Problem: err.Error()}
	}
	data, err := io.ReadAll(io.LimitReader(f, maxPolicyBytes+1))
	if err != nil {
		return nil, &PolicyFileError{Path: path, Problem: "cannot be read: " + err.Error(), Err: err}
	}
	if len(data) > maxPolicyBytes {
		return nil, &PolicyFileError{Path: path, Problem: "is larger than 1 MiB"}
	}
	p, err := ParsePolicy(data)
	if err != nil {
		return nil, &PolicyFileError{Path: path, Problem: err.Error(), Err: err}
	}
	p.Path = path
	return p, nil
}

// ParsePolicy decodes the JSON body of a policy file. Unknown fields are an
// error: a misspelt "max_mdoe" must not quietly leave the ceiling open.
func ParsePolicy(data []byte) (*Policy, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var raw policyJSON
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("malformed JSON: %w", err)
	}
	if dec.More() {
		return nil, errors.New("malformed JSON: trailing data after the policy object")
	}
	if raw.MaxMode == "" {
		return nil, errors.New(`"max_mode" is required (one of ` + strings.Join(ModeNames(), ", ") + ")")
	}
	mode, err := ParseMode(raw.MaxMode)
	if err != nil {
		return nil, fmt.Errorf(`"max_mode": %w`, err)
	}
	p := NoPolicy()
	p.MaxMode = mode
	p.DefaultMode = min(DefaultMode, mode)
	if raw.DefaultMode != "" {
		if p.DefaultMode, err = ParseMode(raw.DefaultMode); err != nil {
			return nil, fmt.Errorf(`"default_mode": %w`, err)
		}
		if p.DefaultMode > mode {
			return nil, fmt.Errorf(`"default_mode" (%s) is above "max_mode" (%s)`, p.DefaultMode, mode)
		}
	}
	if raw.AllowInsecure != nil {
		p.AllowInsecure = *raw.AllowInsecure
	}
	if raw.MaxGrantTTL != "" {
		d, err := time.ParseDuration(raw.MaxGrantTTL)
		if err != nil || d <= 0 || d > MaxGrantTTL {
			return nil, fmt.Errorf(`"max_grant_ttl" is %q; give a duration such as "4h", at most %s`, raw.MaxGrantTTL, MaxGrantTTL)
		}
		p.MaxGrantTTL = d
	}
	if a := raw.Audit; a != nil {
		if a.File == "" || !filepath.IsAbs(a.File) {
			return nil, fmt.Errorf(`"audit": "file" must be an absolute path, got %q`, a.File)
		}
		p.Audit = AuditPolicy{File: a.File, Required: a.Required, AppendOnly: a.AppendOnly}
	}
	for i, h := range raw.Hosts {
		if strings.TrimSpace(h.Host) == "" {
			return nil, fmt.Errorf(`hosts[%d]: "host" is required`, i)
		}
		p.Hosts = append(p.Hosts, HostEntry{Host: strings.TrimSpace(h.Host), TLSThumbprint: strings.TrimSpace(h.TLSThumbprint)})
	}
	seen := map[string]bool{}
	for i, k := range raw.TrustedKeys {
		if strings.TrimSpace(k.Name) == "" {
			return nil, fmt.Errorf("trusted_keys[%d]: \"name\" is required", i)
		}
		if seen[k.Name] {
			return nil, fmt.Errorf("trusted_keys[%d]: duplicate name %q", i, k.Name)
		}
		seen[k.Name] = true
		pub, err := ParsePublicKey(k.PublicKey)
		if err != nil {
			return nil, fmt.Errorf("trusted_keys[%d] (%s): %w", i, k.Name, err)
		}
		p.TrustedKeys = append(p.TrustedKeys, TrustedKey{Name: k.Name, PublicKey: pub})
	}
	return p, nil
}

// ParsePublicKey reads a base64 (standard or URL alphabet, padded or not)
// ed25519 public key, the format keygen writes to the .pub file.
func ParsePublicKey(s string) (ed25519.PublicKey, error) {
	s = strings.TrimSpace(s)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			if len(b) != ed25519.PublicKeySize {
				return nil, fmt.Errorf("public key is %d bytes, want %d (ed25519)", len(b), ed25519.PublicKeySize)
			}
			return ed25519.PublicKey(b), nil
		}
	}
	return nil, errors.New("public key is not valid base64")
}

// EncodePublicKey is the inverse of ParsePublicKey.
func EncodePublicKey(pub ed25519.PublicKey) string {
	return base64.StdEncoding.EncodeToString(pub)
}
