package chaos_test

import (
	"bufio"
	"crypto/ed25519"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/esxi-commander/terraform-provider-ceso/internal/policy"
)

// systemPolicy is the administrator's side of an agent scenario: a system
// policy file the agent cannot write, trusting one approver key, and an
// audit file named by the policy.
type systemPolicy struct {
	t     *testing.T
	path  string
	audit string
	priv  ed25519.PrivateKey
	pub   ed25519.PublicKey
	body  map[string]any
}

// installPolicy writes a system policy for the workspace's provider. body
// holds keys besides trusted_keys (max_mode defaults to standard). The file
// lives in a folder of its own, root-owned (the tests run as root) and
// closed to group and others, like /etc/ceso.
func installPolicy(t *testing.T, w *workspace, body map[string]any) *systemPolicy {
	t.Helper()
	pub, priv, err := policy.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "etc-ceso")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	sp := &systemPolicy{t: t, path: filepath.Join(dir, "policy.json"), priv: priv, pub: pub, body: map[string]any{}}
	sp.body["max_mode"] = "standard"
	for k, v := range body {
		sp.body[k] = v
	}
	sp.body["trusted_keys"] = []map[string]string{{"name": "approver", "public_key": policy.EncodePublicKey(pub)}}
	if a, ok := sp.body["audit"].(map[string]any); ok {
		sp.audit, _ = a["file"].(string)
	}
	sp.write()
	w.env = append(w.env, systemPolicyEnv+"="+sp.path)
	return sp
}

func (sp *systemPolicy) write() {
	sp.t.Helper()
	b, err := json.MarshalIndent(sp.body, "", "  ")
	if err != nil {
		sp.t.Fatal(err)
	}
	if err := os.WriteFile(sp.path, b, 0o644); err != nil {
		sp.t.Fatal(err)
	}
	if err := os.Chmod(sp.path, 0o644); err != nil {
		sp.t.Fatal(err)
	}
}

// grant is an elevation signed by the policy's approver.
func (sp *systemPolicy) grant(req policy.GrantRequest) string {
	sp.t.Helper()
	if req.Reason == "" {
		req.Reason = "CHG-1 scenario"
	}
	if req.Approver == "" {
		req.Approver = "approver@example.com"
	}
	if req.TTL == 0 {
		req.TTL = time.Hour
	}
	if req.Host == "" {
		req.Host = "127.0.0.1" // every simulated host listens there
	}
	tok, _, err := policy.IssueGrant(sp.priv, req, time.Now())
	if err != nil {
		sp.t.Fatal(err)
	}
	return tok
}

// auditRecords reads an audit file; a missing file has no records.
func auditRecords(t *testing.T, path string) []map[string]any {
	t.Helper()
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []map[string]any
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var rec map[string]any
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("audit file %s: %v", path, err)
		}
		out = append(out, rec)
	}
	return out
}

// expectAudited fails unless some record of the audit file has every
// field given (compared as strings; "details.x" looks into details) and
// mentions each phrase somewhere.
func expectAudited(t *testing.T, path string, fields map[string]string, phrases ...string) {
	t.Helper()
	recs := auditRecords(t, path)
outer:
	for _, r := range recs {
		for k, want := range fields {
			var got any = r
			for _, part := range strings.Split(k, ".") {
				m, _ := got.(map[string]any)
				got = m[part]
			}
			if s, _ := got.(string); s != want {
				continue outer
			}
		}
		b, _ := json.Marshal(r)
		for _, p := range phrases {
			if !strings.Contains(string(b), p) {
				continue outer
			}
		}
		return
	}
	var lines []string
	for _, r := range recs {
		b, _ := json.Marshal(r)
		lines = append(lines, string(b))
	}
	t.Fatalf("no record of %s has %v and %q; records:\n%s", path, fields, phrases, strings.Join(lines, "\n"))
}

// noHostCalls fails when the host served any write, or (logins false) any
// Login, since the last ResetMethods.
func (h *chaosHost) noHostCalls(logins bool) {
	h.t.Helper()
	if wr := writesIn(h.Methods()); len(wr) > 0 {
		h.t.Errorf("the host received writes %v", wr)
	}
	if !logins {
		if n := h.CountMethod("Login"); n > 0 {
			h.t.Errorf("the host received %d Login calls: the credentials were sent", n)
		}
	}
}

// timeNow is the clock grants are issued with.
func timeNow() time.Time { return time.Now() }

// numberedDisks is n 1 GiB disk blocks that name their SCSI units, so
// dropping the last block removes exactly that disk (an unnamed removal is
// refused at plan as ambiguous).
func numberedDisks(n int) string {
	var b strings.Builder
	for i := range n {
		b.WriteString("  disk {\n    unit_number = " + strconv.Itoa(i) + "\n    size_gb     = 1\n  }\n")
	}
	return b.String()
}
