package audit

import (
	"encoding/json"
	"strings"
	"testing"
)

// FuzzRedact checks the redaction promises on arbitrary documents and
// secrets: no panic; no string in the output contains the
// registered secret (of at least MinSecretLen characters) outside a
// [REDACTED] marker; every sensitive key's value
// is the marker; the output still encodes as JSON.
func FuzzRedact(f *testing.F) {
	f.Add(`{"password":"p","user_data":"#cloud-config\npassword: s3cret\n"}`, "s3cret")
	f.Add(`"token=abc https://u:pw@h/"`, "pw")
	f.Add(`["a", {"Authorization": ["x"]}, 1.5, null]`, "a")
	f.Add(`{"k": "#cloud-config\n- [unbalanced"}`, "]")
	f.Add(`not json at all hunter2`, "hunter2")
	f.Fuzz(func(t *testing.T, doc, secret string) {
		var v any
		if err := json.Unmarshal([]byte(doc), &v); err != nil {
			v = doc
		}
		r := NewRedactor(secret)
		out := r.Value(v)
		if _, err := json.Marshal(out); err != nil {
			t.Fatalf("redacted value does not encode: %v", err)
		}
		if len(secret) < MinSecretLen {
			return // too short to be a pattern: the guard warns instead
		}
		check := func(s string) {
			for _, seg := range strings.Split(s, Redacted) {
				if strings.Contains(seg, secret) {
					t.Fatalf("secret %q survives in %q", secret, s)
				}
			}
		}
		var walk func(any)
		walk = func(x any) {
			switch y := x.(type) {
			case string:
				check(y)
			case map[string]any:
				for k, e := range y {
					// Keys are structure and never rewritten.
					if SensitiveKey(k) && e != Redacted {
						t.Fatalf("sensitive key %q kept value %v", k, e)
					}
					walk(e)
				}
			case []any:
				for _, e := range y {
					walk(e)
				}
			}
		}
		walk(out)
	})
}
