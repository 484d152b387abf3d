package audit

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A secret an agent can choose must not steer redaction: identifying
// fields stay, and a short secret is no pattern.
func TestRedactionCannotBeSteered(t *testing.T) {
	t.Parallel()
	r := NewRedactor()
	if n := r.AddValues("web-01-password", "e", "abc"); n != 2 {
		t.Errorf("AddValues counted %d short secrets, want 2", n)
	}
	if got := r.String("event provider configured with web-01-password"); got != "event provider configured with [REDACTED]" {
		t.Errorf("String = %q", got)
	}
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	w, err := Open(path, NewRedactor("web-01-secret"))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	rec := Record{Time: time.Now(), RunID: "web-01-secret", Kind: KindIntent, ResourceType: "ceso_vm", Object: "web-01-secret", Action: "create",
		Details: map[string]any{"web-01-secret": "web-01-secret"}}
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	for _, want := range []string{`"run_id":"web-01-secret"`, `"object":"web-01-secret"`, `"details":{"web-01-secret":"[REDACTED]"}`} {
		if !strings.Contains(string(data), want) {
			t.Errorf("audit line lacks %s:\n%s", want, data)
		}
	}
}

// An emptied audit file does not verify: ceso always writes on start.
func TestVerifyRefusesAnEmptyFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	var be *BrokenError
	if _, err := Verify(path); !errors.As(err, &be) || !strings.Contains(be.Reason, "empty") {
		t.Errorf("Verify(empty) = %v, want a BrokenError saying it is empty", err)
	}
}

func TestGrantUsedReadsTheLedger(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	lines := `{"kind":"event","pid":7,"prev":"x"}
{"kind":"intent","pid":7,"elevation":{"grant_id":"g-1","approver":"a"},"prev":"x"}
{torn`
	if err := os.WriteFile(path, []byte(lines), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		id   string
		pid  int
		want bool
	}{{"g-1", 8, true}, {"g-1", 7, false}, {"g-2", 8, false}} {
		if got, err := GrantUsed(path, tc.id, tc.pid); err != nil || got != tc.want {
			t.Errorf("GrantUsed(%s, pid %d) = %v, %v; want %v", tc.id, tc.pid, got, err, tc.want)
		}
	}
	if used, err := GrantUsed(path+".none", "g-1", 8); err != nil || used {
		t.Errorf("a missing ledger: %v, %v", used, err)
	}
}

// OpenWith AppendOnly refuses a file without the attribute and accepts a
// group-writable one with it. Root only (chattr needs CAP_LINUX_IMMUTABLE).
func TestOpenAppendOnly(t *testing.T) {
	t.Parallel()
	if os.Geteuid() != 0 {
		t.Skip("chattr +a needs root; CI runs this as root")
	}
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenWith(path, nil, Options{AppendOnly: true}); err == nil || !strings.Contains(err.Error(), "chattr +a "+path) {
		t.Fatalf("OpenWith without the attribute = %v", err)
	}
	if err := os.Chmod(path, 0o660); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.CommandContext(t.Context(), "chattr", "+a", path).CombinedOutput(); err != nil {
		t.Fatalf("chattr +a: %v %s (needs a filesystem with the attribute)", err, out)
	}
	t.Cleanup(func() { _ = exec.CommandContext(context.Background(), "chattr", "-a", path).Run() })
	w, err := OpenWith(path, nil, Options{AppendOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if err := w.Write(Record{Time: time.Now(), Kind: KindEvent, Reason: "start"}); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(path, 0); !errors.Is(err, syscall.EPERM) {
		t.Errorf("truncate = %v, want EPERM", err)
	}
}
