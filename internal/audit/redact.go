package audit

import (
	"encoding/json"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"
)

// Redacted replaces every secret the redactor finds.
const Redacted = "[REDACTED]"

// Redactor removes secrets from audit records, by key and by value.
//
// By key: a map entry whose key looks sensitive (see SensitiveKey) has its
// whole value replaced, whatever its type.
//
// By value: every registered secret (the host password and the grant token,
// nothing the configuration's author chooses) of at least MinSecretLen
// characters is cut out of every string value, also in its JSON-escaped and
// URL-escaped spellings, since errors from HTTP and SOAP layers quote URLs
// and bodies. Map keys and the identifying fields of a record (run id,
// resource type, object, action) are never rewritten.
//
// By content: a string that is a #cloud-config document is parsed and
// redacted by key (user passwords, chpasswd); user-data and vendor-data we
// cannot read (encoded) are dropped; URL passwords (scheme://user:pw@) and
// inline "password=..." pairs in error text are masked.
//
// A Redactor is safe for concurrent use.
type Redactor struct {
	mu       sync.RWMutex
	values   map[string]bool
	replacer *strings.Replacer
}

// NewRedactor returns a redactor that also cuts out the given values.
func NewRedactor(values ...string) *Redactor {
	r := &Redactor{values: map[string]bool{}}
	r.AddValues(values...)
	return r
}

// MinSecretLen is the shortest secret used as a pattern. A shorter value
// (a one-letter password) would match inside ordinary words and mangle
// every record, which an agent choosing such a value could use to blank
// out what it did; the caller warns about it instead.
const MinSecretLen = 8

// AddValues registers more secret values. Empty strings are ignored; values
// shorter than MinSecretLen are not used and are counted in the result, so
// the caller can warn that they are not redacted.
func (r *Redactor) AddValues(values ...string) (tooShort int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, v := range values {
		if v == "" {
			continue
		}
		if len(v) < MinSecretLen {
			tooShort++
			continue
		}
		for _, variant := range spellings(v) {
			r.values[variant] = true
		}
	}
	all := make([]string, 0, len(r.values))
	for v := range r.values {
		all = append(all, v)
	}
	// Longest first: at one position the replacer prefers earlier
	// arguments, and the longer match hides more.
	sort.Slice(all, func(i, j int) bool {
		if len(all[i]) != len(all[j]) {
			return len(all[i]) > len(all[j])
		}
		return all[i] < all[j]
	})
	pairs := make([]string, 0, 2*len(all))
	for _, v := range all {
		pairs = append(pairs, v, Redacted)
	}
	r.replacer = strings.NewReplacer(pairs...)
	return tooShort
}

// spellings are the forms a secret takes inside logs and messages.
func spellings(v string) []string {
	out := []string{v, url.QueryEscape(v), url.PathEscape(v)}
	if b, err := json.Marshal(v); err == nil {
		out = append(out, string(b[1:len(b)-1]))
	}
	return out
}

var (
	// scheme://user:password@host
	urlPassword = regexp.MustCompile(`(://[^/\s:@]*:)[^/\s@]+@`)
	// password=x, "token": "x", secret: x (in error text, not JSON we own).
	inlineSecret = regexp.MustCompile(`(?i)((?:password|passwd|passphrase|secret|token|api[_-]?key|authorization)["']?\s*[=:]\s*)("[^"]*"|'[^']*'|[^\s,;&"']+)`)
)

// String redacts one string: registered values first (so that a secret
// followed by ": " is not mistaken for a key), then URL passwords, inline
// secrets, and #cloud-config documents. The patterns only ever replace
// text between delimiters with the marker, so they cannot put a removed
// secret back together.
func (r *Redactor) String(s string) string {
	s = r.values0(s)
	if isCloudConfig(s) {
		// Re-encoding YAML can rearrange text, hence another value pass.
		return r.values0(r.cloudConfig(s))
	}
	s = urlPassword.ReplaceAllString(s, "${1}"+Redacted+"@")
	return inlineSecret.ReplaceAllString(s, "${1}"+Redacted)
}

func (r *Redactor) values0(s string) string {
	if r == nil {
		return s
	}
	r.mu.RLock()
	rep := r.replacer
	r.mu.RUnlock()
	if rep == nil {
		return s
	}
	return rep.Replace(s)
}

// Value returns a redacted deep copy of v (maps, slices, strings; other
// values are copied as they are). The input is never modified.
func (r *Redactor) Value(v any) any {
	return r.walk(v, false)
}

// Map is Value for the common case of a details map.
func (r *Redactor) Map(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	out, _ := r.walk(m, false).(map[string]any)
	return out
}

func (r *Redactor) walk(v any, userData bool) any {
	switch x := v.(type) {
	case string:
		if userData && !isCloudConfig(x) {
			// Encoded or binary payloads cannot be inspected: drop them.
			return Redacted
		}
		return r.String(x)
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, val := range x {
			// Keys name fields; they are never rewritten, so no value can
			// blank out a record's structure.
			switch {
			case SensitiveKey(k):
				out[k] = Redacted
			default:
				out[k] = r.walk(val, isUserDataKey(k))
			}
		}
		return out
	case map[string]string:
		m := make(map[string]any, len(x))
		for k, val := range x {
			m[k] = val
		}
		return r.walk(m, userData)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = r.walk(e, userData)
		}
		return out
	case []string:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = r.walk(e, userData)
		}
		return out
	case map[any]any: // YAML documents decode into these.
		m := make(map[string]any, len(x))
		for k, val := range x {
			ks, ok := k.(string)
			if !ok {
				b, _ := json.Marshal(k)
				ks = string(b)
			}
			m[ks] = val
		}
		return r.walk(m, userData)
	default:
		return v
	}
}

// sensitiveWords mark a key as secret wherever they appear in it. "passwd"
// covers cloud-init's passwd, hashed_passwd, plain_text_passwd and the
// whole chpasswd block.
var sensitiveWords = []string{
	"password", "passwd", "passphrase", "secret", "token", "authorization",
	"cookie", "credential", "private", "elevation", "api_key", "apikey",
	"access_key", "accesskey",
}

// keySuffixes mark a key as secret when it ends with them.
var keySuffixes = []string{"_key", "sshkey", "signingkey", "encryptionkey"}

// SensitiveKey reports whether a map key names a secret. Keys are compared
// lowercased with "-", "." and " " read as "_". Rules:
//   - any key containing one of sensitiveWords;
//   - "key", or a key ending in "_key" (api_key, ssh_key, encryption_key);
//   - but never a key containing "public" (public_key is public), and not
//     a plural "..._keys" list such as ssh_authorized_keys or trusted_keys,
//     which hold public keys and are useful in a review;
//   - "key_id", "keyboard", "hotkey" and the like are not secrets.
func SensitiveKey(k string) bool {
	n := strings.ToLower(k)
	n = strings.NewReplacer("-", "_", ".", "_", " ", "_").Replace(n)
	for _, w := range sensitiveWords {
		if strings.Contains(n, w) {
			return true
		}
	}
	if strings.Contains(n, "public") {
		return false
	}
	if n == "key" {
		return true
	}
	for _, s := range keySuffixes {
		if strings.HasSuffix(n, s) {
			return true
		}
	}
	return false
}

// isUserDataKey names keys that hold cloud-init payloads, which may be
// encoded (gzip+base64) and so hide passwords from key-based redaction.
func isUserDataKey(k string) bool {
	n := strings.ToLower(strings.NewReplacer("-", "", "_", "", ".", "").Replace(k))
	return strings.HasSuffix(n, "userdata") || strings.HasSuffix(n, "vendordata")
}

func isCloudConfig(s string) bool {
	return strings.HasPrefix(strings.TrimLeft(s, " \t\r\n"), "#cloud-config")
}

// cloudConfig parses a #cloud-config document and redacts it by key. A
// document that does not parse is dropped whole: we cannot tell where its
// secrets are.
func (r *Redactor) cloudConfig(s string) string {
	var doc any
	if err := yaml.Unmarshal([]byte(s), &doc); err != nil {
		return "#cloud-config\n# " + Redacted + " (unparsable document)\n"
	}
	b, err := yaml.Marshal(r.walk(doc, false))
	if err != nil {
		return "#cloud-config\n# " + Redacted + "\n"
	}
	return "#cloud-config\n" + string(b)
}
