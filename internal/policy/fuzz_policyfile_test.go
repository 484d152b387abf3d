package policy

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"strings"
	"testing"
)

// FuzzParsePolicy feeds arbitrary bytes to the policy file parser. The
// policy file is the administrator's ceiling, so the parser must fail
// closed: it never panics, and whatever it accepts is a JSON object with a
// valid max_mode and well-formed, uniquely named ed25519 keys, which reads
// back the same when written out again.
func FuzzParsePolicy(f *testing.F) {
	key := EncodePublicKey(make(ed25519.PublicKey, ed25519.PublicKeySize))
	for _, seed := range []string{
		`{"max_mode":"standard","trusted_keys":[{"name":"alice","public_key":"` + key + `"}]}`,
		`{"max_mode":"restricted"}`,
		`{"max_mode":"unrestricted","trusted_keys":[]}`,
		`{"max_mode":"standard","max_mdoe":"unrestricted"}`,
		`{"max_mode":"standard"} {"max_mode":"unrestricted"}`,
		`{"max_mode":"STANDARD","trusted_keys":[{"name":"a","public_key":"` + key + `"},{"name":"a","public_key":"` + key + `"}]}`,
		`{"max_mode":"standard","trusted_keys":[{"name":" ","public_key":"` + key + `"}]}`,
		`{"max_mode":"standard","trusted_keys":[{"name":"short","public_key":"AAAA"}]}`,
		`{"max_mode":"admin"}`,
		`{"max_mode":null}`,
		`[]`,
		``,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ParsePolicy(data)
		if err != nil {
			if p != nil {
				t.Fatalf("ParsePolicy returned a policy with its error %v", err)
			}
			return
		}
		if !json.Valid(bytes.TrimSpace(data)) && !json.Valid(firstValue(data)) {
			t.Fatalf("accepted input that is not JSON: %q", data)
		}
		if !p.MaxMode.Valid() {
			t.Fatalf("accepted an invalid ceiling %v from %q", p.MaxMode, data)
		}
		names := map[string]bool{}
		for _, k := range p.TrustedKeys {
			if strings.TrimSpace(k.Name) == "" || names[k.Name] {
				t.Fatalf("accepted an empty or repeated key name %q from %q", k.Name, data)
			}
			names[k.Name] = true
			if len(k.PublicKey) != ed25519.PublicKeySize {
				t.Fatalf("accepted a %d-byte key from %q", len(k.PublicKey), data)
			}
		}
		// Written out and read again, the policy is the same.
		out := policyJSON{MaxMode: p.MaxMode.String()}
		for _, k := range p.TrustedKeys {
			out.TrustedKeys = append(out.TrustedKeys, keyJSON{Name: k.Name, PublicKey: EncodePublicKey(k.PublicKey)})
		}
		b, err := json.Marshal(out)
		if err != nil {
			t.Fatal(err)
		}
		again, err := ParsePolicy(b)
		if err != nil {
			t.Fatalf("the policy read from %q does not read back: %v", data, err)
		}
		if again.MaxMode != p.MaxMode || len(again.TrustedKeys) != len(p.TrustedKeys) {
			t.Fatalf("read back %+v, want %+v", again, p)
		}
		for i, k := range again.TrustedKeys {
			if k.Name != p.TrustedKeys[i].Name || !k.PublicKey.Equal(p.TrustedKeys[i].PublicKey) {
				t.Fatalf("key %d read back as %+v, want %+v", i, k, p.TrustedKeys[i])
			}
		}
	})
}

// firstValue returns the first JSON value of data (the decoder stops
// there; trailing white space is allowed).
func firstValue(data []byte) []byte {
	dec := json.NewDecoder(bytes.NewReader(data))
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		return nil
	}
	return raw
}
