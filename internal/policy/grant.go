package policy

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"strings"
	"time"
)

// Grant token layout: ceso-grant.v1.<base64url(payload JSON)>.<base64url(sig)>.
// The signature covers "ceso-grant.v1." plus the encoded payload, so a
// signature made for another format or version never verifies here.
const (
	grantPrefix = "ceso-grant.v1."
	// MaxGrantTTL is the longest a grant may live: short grants limit the
	// damage of a leaked token, and a plan review is a same-day affair.
	MaxGrantTTL = 24 * time.Hour
	// ClockSkew is tolerated on issued_at, because the approver's laptop and
	// the CI runner rarely agree to the second.
	ClockSkew = time.Minute
	// maxTokenLen bounds parsing work on hostile input.
	maxTokenLen = 16 << 10
)

// Grant is an approver's signed permission to act in Mode on the VMs whose
// names match Scope, between IssuedAt and ExpiresAt.
type Grant struct {
	ID        string
	Mode      Mode
	Scope     []string
	Reason    string
	Approver  string
	KeyID     string
	IssuedAt  time.Time
	ExpiresAt time.Time
	// Host is the host the grant is valid for: the server's instance UUID
	// or the host name (optionally host:port) the provider is configured
	// with. A grant stolen from one host's pipeline is useless on another.
	Host string
	// Once asks that one apply (one run id) use the grant; the provider
	// refuses a grant id that an earlier run's audit records used.
	Once bool
	// Changes, when not empty, bind the grant to a reviewed plan: only these
	// changes may be elevated, and nothing else.
	Changes []Change
	// KeyName is the policy's name for the key that verified the grant;
	// empty when the grant was only inspected.
	KeyName string
}

// Change is one elevated change of a reviewed plan: the resource type, the
// object's identity (UUID of an existing object, name of a new one) and the
// Terraform action (create, update or delete).
type Change struct {
	Type   string `json:"type"`
	ID     string `json:"id"`
	Action string `json:"action"`
}

func (c Change) String() string { return c.Action + " " + c.Type + " " + c.ID }

type grantJSON struct {
	ID        string    `json:"id"`
	Mode      string    `json:"mode"`
	Scope     []string  `json:"scope"`
	Reason    string    `json:"reason"`
	Approver  string    `json:"approver"`
	KeyID     string    `json:"kid"`
	IssuedAt  time.Time `json:"issued_at"`
	ExpiresAt time.Time `json:"expires_at"`
	Host      string    `json:"host"`
	Once      bool      `json:"once,omitempty"`
	Changes   []Change  `json:"changes,omitempty"`
}

// GrantRequest is what an approver asks IssueGrant to sign.
type GrantRequest struct {
	Mode     Mode
	Scope    []string
	Reason   string
	Approver string
	TTL      time.Duration
	Host     string
	Once     bool
	Changes  []Change
}

// KeyID is a short fingerprint of a public key: the first 8 bytes of its
// SHA-256, hex. Grants carry it so the verifier picks the right trusted key
// and can say which key signed an untrusted grant.
func KeyID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return hex.EncodeToString(sum[:8])
}

// GenerateKey makes an approver key pair.
func GenerateKey() (ed25519.PublicKey, ed25519.PrivateKey, error) {
	return ed25519.GenerateKey(rand.Reader)
}

// IssueGrant signs a grant valid from now for req.TTL.
func IssueGrant(priv ed25519.PrivateKey, req GrantRequest, now time.Time) (string, *Grant, error) {
	pub, ok := priv.Public().(ed25519.PublicKey)
	if len(priv) != ed25519.PrivateKeySize || !ok {
		return "", nil, errors.New("private key is not an ed25519 key")
	}
	var idb [8]byte
	if _, err := rand.Read(idb[:]); err != nil {
		return "", nil, err
	}
	now = now.UTC().Truncate(time.Second)
	g := &Grant{
		ID:        "g-" + hex.EncodeToString(idb[:]),
		Mode:      req.Mode,
		Scope:     req.Scope,
		Reason:    strings.TrimSpace(req.Reason),
		Approver:  strings.TrimSpace(req.Approver),
		KeyID:     KeyID(pub),
		IssuedAt:  now,
		ExpiresAt: now.Add(req.TTL),
		Host:      strings.TrimSpace(req.Host),
		Once:      req.Once,
		Changes:   req.Changes,
	}
	if err := g.validate(); err != nil {
		return "", nil, err
	}
	payload, err := json.Marshal(grantJSON{
		ID: g.ID, Mode: g.Mode.String(), Scope: g.Scope, Reason: g.Reason, Approver: g.Approver,
		KeyID: g.KeyID, IssuedAt: g.IssuedAt, ExpiresAt: g.ExpiresAt, Host: g.Host, Once: g.Once, Changes: g.Changes,
	})
	if err != nil {
		return "", nil, err
	}
	signed := grantPrefix + base64.RawURLEncoding.EncodeToString(payload)
	sig := ed25519.Sign(priv, []byte(signed))
	return signed + "." + base64.RawURLEncoding.EncodeToString(sig), g, nil
}

// ParseGrant decodes a token, verifies it against the trusted keys and
// checks its validity window at now. Scope is checked per operation by
// Decide, since one grant serves many objects.
func ParseGrant(token string, keys []TrustedKey, now time.Time) (*Grant, error) {
	g, signed, sig, err := decodeGrant(token)
	if err != nil {
		return nil, err
	}
	if err := g.validate(); err != nil {
		return nil, err
	}
	if len(keys) == 0 {
		return nil, grantErr(ErrGrantForged, g.ID,
			"no approver keys are trusted: add the approver's public key (key id %s) to trusted_keys in the policy file", g.KeyID)
	}
	var key *TrustedKey
	for i := range keys {
		if KeyID(keys[i].PublicKey) == g.KeyID {
			key = &keys[i]
			break
		}
	}
	if key == nil {
		return nil, grantErr(ErrGrantForged, g.ID,
			"it was signed by key %s, which is not among the trusted keys of the policy file", g.KeyID)
	}
	if !ed25519.Verify(key.PublicKey, signed, sig) {
		return nil, grantErr(ErrGrantForged, g.ID,
			"the signature does not verify against trusted key %q: the grant was altered or signed by another key", key.Name)
	}
	g.KeyName = key.Name
	if err := g.CheckTime(now); err != nil {
		return nil, err
	}
	return g, nil
}

// InspectGrant decodes a token without verifying it, so an approver can read
// what a grant says. Never use its result to authorize anything.
func InspectGrant(token string) (*Grant, error) {
	g, _, _, err := decodeGrant(token)
	return g, err
}

// CheckTime reports whether the grant is valid at now.
func (g *Grant) CheckTime(now time.Time) error {
	if now.Add(ClockSkew).Before(g.IssuedAt) {
		return grantErr(ErrGrantNotYetValid, g.ID,
			"it is valid from %s but the clock here says %s; check the clocks of the approver and this machine",
			g.IssuedAt.Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	if !now.Before(g.ExpiresAt) {
		return grantErr(ErrGrantExpired, g.ID,
			"it expired at %s (now %s); ask %s for a new grant", g.ExpiresAt.Format(time.RFC3339),
			now.UTC().Format(time.RFC3339), g.Approver)
	}
	return nil
}

// Covers reports whether object matches one of the scope patterns. A lone
// "*" matches every name, even names with "/" that path.Match would not.
func (g *Grant) Covers(object string) bool {
	for _, p := range g.Scope {
		if p == "*" {
			return true
		}
		if ok, err := path.Match(p, object); err == nil && ok {
			return true
		}
	}
	return false
}

func (g *Grant) validate() error {
	bad := func(format string, args ...any) error {
		return grantErr(ErrGrantMalformed, g.ID, format, args...)
	}
	switch {
	case g.ID == "":
		return bad("it has no id")
	case !g.Mode.Valid():
		return bad("it names no valid mode (valid: %s)", strings.Join(ModeNames(), ", "))
	case g.Mode < Standard:
		return bad("it grants %s mode, which is no elevation", g.Mode)
	case len(g.Scope) == 0:
		return bad("its scope is empty; name VM patterns, or * for all")
	case g.Reason == "":
		return bad("it has no reason")
	case g.Approver == "":
		return bad("it names no approver")
	case g.IssuedAt.IsZero() || g.ExpiresAt.IsZero():
		return bad("it lacks issued_at or expires_at")
	case !g.ExpiresAt.After(g.IssuedAt):
		return bad("it expires before it is issued")
	case g.ExpiresAt.Sub(g.IssuedAt) > MaxGrantTTL:
		return bad("it lives %s, longer than the %s maximum", g.ExpiresAt.Sub(g.IssuedAt), MaxGrantTTL)
	}
	if g.Host == "" {
		return bad("it names no host; issue it with --host (the host name the provider connects to, or the server's instance UUID)")
	}
	for i, c := range g.Changes {
		if c.Type == "" || c.ID == "" {
			return bad("change %d of its plan names no resource type or identity", i)
		}
		if c.Action != "create" && c.Action != "update" && c.Action != "delete" {
			return bad("change %d of its plan has action %q; want create, update or delete", i, c.Action)
		}
	}
	for _, p := range g.Scope {
		if p == "" {
			return bad("its scope has an empty pattern")
		}
		if _, err := path.Match(p, ""); err != nil {
			return bad("scope pattern %q is invalid: %v", p, err)
		}
	}
	return nil
}

// decodeGrant splits and decodes a token; it checks structure, not trust.
func decodeGrant(token string) (g *Grant, signed, sig []byte, err error) {
	token = strings.TrimSpace(token)
	malformed := func(format string, args ...any) error {
		return grantErr(ErrGrantMalformed, "", format+"; a grant looks like ceso-grant.v1.<payload>.<signature>, as printed by `terraform-provider-ceso grant issue`", args...)
	}
	if len(token) > maxTokenLen {
		return nil, nil, nil, malformed("it is %d bytes long", len(token))
	}
	if !strings.HasPrefix(token, grantPrefix) {
		return nil, nil, nil, malformed("it does not start with %q", grantPrefix)
	}
	rest := token[len(grantPrefix):]
	dot := strings.IndexByte(rest, '.')
	if dot < 0 || strings.Count(rest, ".") != 1 {
		return nil, nil, nil, malformed("it does not have a payload and a signature part")
	}
	// Strict decoding refuses non-zero padding bits, so one grant has
	// exactly one spelling and a token cannot be altered yet still verify.
	b64 := base64.RawURLEncoding.Strict()
	payload, err := b64.DecodeString(rest[:dot])
	if err != nil {
		return nil, nil, nil, malformed("its payload is not base64url")
	}
	sig, err = b64.DecodeString(rest[dot+1:])
	if err != nil || len(sig) != ed25519.SignatureSize {
		return nil, nil, nil, malformed("its signature is not a base64url ed25519 signature")
	}
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.DisallowUnknownFields()
	var raw grantJSON
	if err := dec.Decode(&raw); err != nil {
		return nil, nil, nil, malformed("its payload is not valid grant JSON: %v", err)
	}
	g = &Grant{
		ID: raw.ID, Scope: raw.Scope, Reason: raw.Reason, Approver: raw.Approver, KeyID: raw.KeyID,
		IssuedAt: raw.IssuedAt, ExpiresAt: raw.ExpiresAt, Host: raw.Host, Once: raw.Once, Changes: raw.Changes,
	}
	if m, err := ParseMode(raw.Mode); err == nil {
		g.Mode = m
	}
	return g, []byte(token[:len(grantPrefix)+dot]), sig, nil
}

// ValidFor reports whether the grant names one of the identities of the
// connected host (its instance UUID, host name, host:port), compared
// without regard to case.
func (g *Grant) ValidFor(hosts []string) bool {
	for _, h := range hosts {
		if h != "" && strings.EqualFold(h, g.Host) {
			return true
		}
	}
	return false
}

// PlanChange returns the change of a plan-bound grant that allows action
// on the object of type typ with identity id, if any.
func (g *Grant) PlanChange(typ, id string, action Action) (Change, bool) {
	for _, c := range g.Changes {
		if c.Type == typ && c.ID == id && c.Action == action.TerraformAction() {
			return c, true
		}
	}
	return Change{}, false
}

// String summarizes a grant for logs; it contains no secret (the token
// itself is the bearer secret, and it is not kept in the Grant).
func (g *Grant) String() string {
	s := fmt.Sprintf("grant %s: %s mode on %s at host %s, approved by %s, %s until %s",
		g.ID, g.Mode, strings.Join(g.Scope, ","), g.Host, g.Approver, g.Reason, g.ExpiresAt.Format(time.RFC3339))
	if g.Once {
		s += ", for one apply"
	}
	if len(g.Changes) > 0 {
		s += fmt.Sprintf(", bound to a plan of %d changes", len(g.Changes))
	}
	return s
}
