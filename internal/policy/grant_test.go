package policy

import (
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

type approver struct {
	pub  ed25519.PublicKey
	priv ed25519.PrivateKey
	keys []TrustedKey
}

func newApprover(t testing.TB, name string) approver {
	t.Helper()
	pub, priv, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	return approver{pub: pub, priv: priv, keys: []TrustedKey{{Name: name, PublicKey: pub}}}
}

func (a approver) issue(t testing.TB, req GrantRequest) string {
	t.Helper()
	tok, _, err := IssueGrant(a.priv, req, t0)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// signRaw signs an arbitrary payload, to build grants IssueGrant refuses.
func signRaw(priv ed25519.PrivateKey, payload string) string {
	signed := grantPrefix + base64.RawURLEncoding.EncodeToString([]byte(payload))
	return signed + "." + base64.RawURLEncoding.EncodeToString(ed25519.Sign(priv, []byte(signed)))
}

func okRequest() GrantRequest {
	return GrantRequest{Host: "esxi01", Mode: Unrestricted, Scope: []string{"web-*"}, Reason: "CHG-1234 rebuild web tier", Approver: "alice", TTL: time.Hour}
}

func TestParseGrant(t *testing.T) {
	t.Parallel()
	alice := newApprover(t, "alice")
	mallory := newApprover(t, "mallory")
	good := alice.issue(t, okRequest())
	parts := strings.Split(good, ".")
	// Swap the payload for one granting more, keeping alice's signature.
	greedy := strings.Replace(okRequest().Scope[0], "web-*", "*", 1)
	tampered := signRaw(mallory.priv, `{"id":"g-1","mode":"unrestricted","scope":["`+greedy+`"],"reason":"x","approver":"alice","kid":"`+KeyID(alice.pub)+`","issued_at":"2026-03-01T12:00:00Z","expires_at":"2026-03-01T13:00:00Z","host":"esxi01"}`)
	tooLong := signRaw(alice.priv, `{"id":"g-2","mode":"standard","scope":["*"],"reason":"x","approver":"alice","kid":"`+KeyID(alice.pub)+`","issued_at":"2026-03-01T12:00:00Z","expires_at":"2026-03-03T12:00:00Z"}`)

	tests := []struct {
		name     string
		token    string
		keys     []TrustedKey
		now      time.Time
		wantKind error
		wantMsg  string
	}{
		{name: "valid", token: good, keys: alice.keys, now: t0.Add(time.Minute)},
		{name: "valid within skew", token: good, keys: alice.keys, now: t0.Add(-30 * time.Second)},
		{name: "untrusted key", token: mallory.issue(t, okRequest()), keys: alice.keys, now: t0,
			wantKind: ErrGrantForged, wantMsg: "not among the trusted keys"},
		{name: "no trusted keys", token: good, keys: nil, now: t0,
			wantKind: ErrGrantForged, wantMsg: "no approver keys are trusted"},
		{name: "payload swapped", token: tampered, keys: alice.keys, now: t0,
			wantKind: ErrGrantForged, wantMsg: "signature does not verify"},
		{name: "signature from another grant", token: parts[0] + "." + parts[1] + "." + parts[2] + "." + strings.Split(alice.issue(t, GrantRequest{Host: "esxi01", Mode: Standard, Scope: []string{"*"}, Reason: "r", Approver: "alice", TTL: time.Minute}), ".")[3],
			keys: alice.keys, now: t0, wantKind: ErrGrantForged, wantMsg: "signature does not verify"},
		{name: "expired", token: good, keys: alice.keys, now: t0.Add(time.Hour),
			wantKind: ErrGrantExpired, wantMsg: "expired at 2026-03-01T13:00:00Z"},
		{name: "not yet valid", token: good, keys: alice.keys, now: t0.Add(-2 * time.Minute),
			wantKind: ErrGrantNotYetValid, wantMsg: "valid from 2026-03-01T12:00:00Z"},
		{name: "longer than 24h", token: tooLong, keys: alice.keys, now: t0,
			wantKind: ErrGrantMalformed, wantMsg: "longer than the 24h0m0s maximum"},
		{name: "garbage", token: "hello", keys: alice.keys, now: t0,
			wantKind: ErrGrantMalformed, wantMsg: `does not start with "ceso-grant.v1."`},
		{name: "missing signature", token: parts[0] + "." + parts[1] + "." + parts[2], keys: alice.keys, now: t0,
			wantKind: ErrGrantMalformed, wantMsg: "payload and a signature"},
		{name: "bad base64", token: "ceso-grant.v1.!!!." + parts[3], keys: alice.keys, now: t0,
			wantKind: ErrGrantMalformed, wantMsg: "not base64url"},
		{name: "unknown field", token: signRaw(alice.priv, `{"id":"g-3","admin":true}`), keys: alice.keys, now: t0,
			wantKind: ErrGrantMalformed, wantMsg: "not valid grant JSON"},
		{name: "restricted is no elevation", token: signRaw(alice.priv, `{"id":"g-4","mode":"restricted","scope":["*"],"reason":"x","approver":"a","kid":"`+KeyID(alice.pub)+`","issued_at":"2026-03-01T12:00:00Z","expires_at":"2026-03-01T13:00:00Z"}`),
			keys: alice.keys, now: t0, wantKind: ErrGrantMalformed, wantMsg: "no elevation"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			g, err := ParseGrant(tt.token, tt.keys, tt.now)
			if tt.wantKind == nil {
				if err != nil {
					t.Fatal(err)
				}
				if g.KeyName != "alice" || g.Mode != Unrestricted || g.Approver != "alice" {
					t.Errorf("grant = %+v", g)
				}
				return
			}
			var ge *GrantError
			if !errors.Is(err, tt.wantKind) || !errors.As(err, &ge) || !strings.Contains(err.Error(), tt.wantMsg) {
				t.Fatalf("error = %v; want kind %q with %q", err, tt.wantKind, tt.wantMsg)
			}
		})
	}
}

func TestIssueGrantRefusesBadRequests(t *testing.T) {
	t.Parallel()
	alice := newApprover(t, "alice")
	tests := []struct {
		name string
		edit func(*GrantRequest)
		want string
	}{
		{name: "ttl over 24h", edit: func(r *GrantRequest) { r.TTL = 25 * time.Hour }, want: "maximum"},
		{name: "zero ttl", edit: func(r *GrantRequest) { r.TTL = 0 }, want: "expires before"},
		{name: "no scope", edit: func(r *GrantRequest) { r.Scope = nil }, want: "scope is empty"},
		{name: "bad pattern", edit: func(r *GrantRequest) { r.Scope = []string{"web-["} }, want: "invalid"},
		{name: "no reason", edit: func(r *GrantRequest) { r.Reason = " " }, want: "no reason"},
		{name: "no approver", edit: func(r *GrantRequest) { r.Approver = "" }, want: "no approver"},
		{name: "no mode", edit: func(r *GrantRequest) { r.Mode = 0 }, want: "no valid mode"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req := okRequest()
			tt.edit(&req)
			_, _, err := IssueGrant(alice.priv, req, t0)
			if !errors.Is(err, ErrGrantMalformed) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestInspectGrantDoesNotVerify(t *testing.T) {
	t.Parallel()
	mallory := newApprover(t, "mallory")
	g, err := InspectGrant(mallory.issue(t, okRequest()))
	if err != nil {
		t.Fatal(err)
	}
	if g.KeyName != "" || g.KeyID != KeyID(mallory.pub) || g.Reason != okRequest().Reason {
		t.Errorf("inspected grant = %+v", g)
	}
}

func TestGrantCovers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		scope  []string
		object string
		want   bool
	}{
		{scope: []string{"*"}, object: "anything", want: true},
		{scope: []string{"*"}, object: "folder/with/slash", want: true},
		{scope: []string{"web-*"}, object: "web-01", want: true},
		{scope: []string{"web-*"}, object: "db-01", want: false},
		{scope: []string{"web-?"}, object: "web-10", want: false},
		{scope: []string{"db-1", "web-[0-9]"}, object: "web-7", want: true},
		{scope: []string{"web-*"}, object: "", want: false},
		{scope: []string{"Web-*"}, object: "web-1", want: false},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.scope, ",")+"/"+tt.object, func(t *testing.T) {
			t.Parallel()
			g := &Grant{Scope: tt.scope}
			if got := g.Covers(tt.object); got != tt.want {
				t.Errorf("Covers(%q) = %v, want %v", tt.object, got, tt.want)
			}
		})
	}
}

func TestDecide(t *testing.T) {
	t.Parallel()
	webAdmin := &Grant{ID: "g-web", Mode: Unrestricted, Scope: []string{"web-*"}, Approver: "alice", Reason: "CHG-1",
		IssuedAt: t0, ExpiresAt: t0.Add(time.Hour)}
	standardOnly := &Grant{ID: "g-std", Mode: Standard, Scope: []string{"*"}, Approver: "bob", Reason: "CHG-2",
		IssuedAt: t0, ExpiresAt: t0.Add(time.Hour)}
	tests := []struct {
		name      string
		mode      Mode
		action    Action
		object    string
		grant     *Grant
		now       time.Time
		wantLabel string
		wantNeeds bool
		wantMsg   string
		wantKind  error
	}{
		{name: "restricted read", mode: Restricted, action: ActionRead, wantLabel: DecisionAllowed},
		{name: "restricted create", mode: Restricted, action: ActionCreate, object: "web-1", wantLabel: DecisionRefused, wantNeeds: true,
			wantMsg: `restricted mode refuses every change; create "web-1" needs standard mode. An approver grants this one change with: terraform-provider-ceso grant issue --host HOST --mode standard --scope "web-1"`},
		{name: "restricted create with grant", mode: Restricted, action: ActionCreate, object: "web-1", grant: standardOnly, now: t0, wantLabel: DecisionElevated, wantNeeds: true},
		{name: "standard update", mode: Standard, action: ActionUpdate, wantLabel: DecisionAllowed},
		{name: "standard delete", mode: Standard, action: ActionDelete, object: "web-1", wantLabel: DecisionRefused, wantNeeds: true,
			wantMsg: "delete is destructive and standard mode needs an elevation"},
		{name: "standard delete elevated", mode: Standard, action: ActionDelete, object: "web-1", grant: webAdmin, now: t0, wantLabel: DecisionElevated, wantNeeds: true},
		{name: "out of scope", mode: Standard, action: ActionDelete, object: "db-1", grant: webAdmin, now: t0, wantLabel: DecisionRefused, wantNeeds: true,
			wantKind: ErrGrantOutOfScope, wantMsg: `covers VMs matching web-*, not "db-1"`},
		{name: "grant mode too low", mode: Standard, action: ActionPowerOffForced, object: "web-1", grant: standardOnly, now: t0, wantLabel: DecisionRefused, wantNeeds: true,
			wantKind: ErrGrantInsufficientMode, wantMsg: "needs unrestricted"},
		{name: "grant expired mid-run", mode: Standard, action: ActionReplace, object: "web-1", grant: webAdmin, now: t0.Add(2 * time.Hour), wantLabel: DecisionRefused, wantNeeds: true,
			wantKind: ErrGrantExpired},
		{name: "unrestricted restore over", mode: Unrestricted, action: ActionRestoreOver, object: "db-1", wantLabel: DecisionAllowed},
		{name: "invalid mode fails closed", mode: 0, action: ActionRead, wantLabel: DecisionRefused},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := Decide(tt.mode, tt.action, tt.object, tt.grant, tt.now)
			if d.Label() != tt.wantLabel || d.NeedsElevation != tt.wantNeeds {
				t.Fatalf("Decide = %s needs=%v (%s); want %s needs=%v", d.Label(), d.NeedsElevation, d.Reason, tt.wantLabel, tt.wantNeeds)
			}
			if !strings.Contains(d.Reason, tt.wantMsg) {
				t.Errorf("Reason = %q, want it to contain %q", d.Reason, tt.wantMsg)
			}
			if tt.wantKind != nil && !errors.Is(d.GrantErr, tt.wantKind) {
				t.Errorf("GrantErr = %v, want %v", d.GrantErr, tt.wantKind)
			}
			if d.Label() == DecisionElevated && d.Grant == nil {
				t.Error("elevated decision without the grant used")
			}
		})
	}
}
