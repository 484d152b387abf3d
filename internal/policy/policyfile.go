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
	"strings"
)

// DefaultPolicyPath is read when CESO_POLICY_FILE is unset and the file
// exists.
const DefaultPolicyPath = "/etc/ceso/policy.json"

// EnvPolicyFile names the environment variable that overrides the path.
const EnvPolicyFile = "CESO_POLICY_FILE"

// maxPolicyBytes bounds the read: a policy is a few keys, and a huge file is
// a mistake (or a /dev/zero symlink) we should not try to parse.
const maxPolicyBytes = 1 << 20

// Policy is the system administrator's word: the highest mode allowed and
// the approvers whose grants are trusted.
type Policy struct {
	// Path is the file this policy came from; empty when there was none.
	Path        string
	MaxMode     Mode
	TrustedKeys []TrustedKey
}

// TrustedKey is an approver's public key as named in the policy file.
type TrustedKey struct {
	Name      string
	PublicKey ed25519.PublicKey
}

// NoPolicy is what applies without a policy file: no ceiling, no approvers.
func NoPolicy() *Policy { return &Policy{MaxMode: Unrestricted} }

// Source describes where the policy came from, for messages.
func (p *Policy) Source() string {
	if p == nil || p.Path == "" {
		return "no policy file"
	}
	return "policy file " + p.Path
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
	MaxMode     string    `json:"max_mode"`
	TrustedKeys []keyJSON `json:"trusted_keys"`
}

type keyJSON struct {
	Name      string `json:"name"`
	PublicKey string `json:"public_key"`
}

// Load finds and reads the policy: the explicit path if given, else
// CESO_POLICY_FILE, else DefaultPolicyPath when it exists. An explicitly
// named file that is missing is an error (the user expects it to apply); a
// missing default file means no policy.
func Load(explicit string, getenv func(string) string) (*Policy, error) {
	return load(explicit, getenv, DefaultPolicyPath)
}

func load(explicit string, getenv func(string) string, defaultPath string) (*Policy, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	path := explicit
	if path == "" {
		path = getenv(EnvPolicyFile)
	}
	if path != "" {
		return LoadPolicyFile(path)
	}
	p, err := LoadPolicyFile(defaultPath)
	if errors.Is(err, fs.ErrNotExist) {
		return NoPolicy(), nil
	}
	return p, err
}

// LoadPolicyFile reads and checks one policy file. It refuses files that
// someone other than the owner could have written, and owners other than
// the current user or root, since either would let an agent raise its own
// ceiling or add its own approver key.
func LoadPolicyFile(path string) (*Policy, error) {
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
	if err := checkOwnership(fi); err != nil {
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
	p := &Policy{MaxMode: mode}
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
