package audit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

func openTemp(t *testing.T) (*Writer, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	w, err := Open(path, NewRedactor())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return w, path
}

func rec(kind, object string) Record {
	return Record{Time: time.Now(), RunID: "run-1", OpID: "op-" + object, Kind: kind, ResourceType: "ceso_vm",
		Object: object, Action: "create", Mode: "standard"}
}

// mixedRun writes what one apply writes: a start event, reads, writes with
// intent and outcome, a refusal, a failure.
func mixedRun(t *testing.T, w *Writer) int {
	t.Helper()
	outcome := func(o, e string) Record {
		r := rec(KindOutcome, "web-1")
		r.Outcome, r.Error, r.DurationMS = o, e, Millis(1500*time.Microsecond)
		return r
	}
	records := []Record{
		{Time: time.Now(), RunID: "run-1", Kind: KindEvent, Reason: "provider configured"},
		rec(KindRead, "inventory"),
		rec(KindIntent, "web-1"),
		outcome(OutcomeSuccess, ""),
		rec(KindIntent, "web-2"),
		outcome(OutcomeFailure, "task failed: disk full"),
		outcome(OutcomeRefused, ""),
	}
	for _, r := range records {
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	return len(records)
}

func TestOpenCreatesPrivateFile(t *testing.T) {
	t.Parallel()
	_, path := openTemp(t)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode = %04o, want 0600", fi.Mode().Perm())
	}
}

func TestOpenRefusesWritableFile(t *testing.T) {
	t.Parallel()
	for _, perm := range []os.FileMode{0o620, 0o602, 0o666} {
		t.Run(fmt.Sprintf("%04o", perm), func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "audit.jsonl")
			if err := os.WriteFile(path, nil, 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(path, perm); err != nil {
				t.Fatal(err)
			}
			_, err := Open(path, nil)
			var fe *FileError
			if !errors.As(err, &fe) || !strings.Contains(err.Error(), "writable by group or others") {
				t.Fatalf("Open error = %v, want a *FileError about permissions", err)
			}
		})
	}
	if _, err := Open(t.TempDir(), nil); err == nil {
		t.Error("Open accepted a directory")
	}
}

func TestChainVerifiesAfterMixedRun(t *testing.T) {
	t.Parallel()
	w, path := openTemp(t)
	n := mixedRun(t, w)
	// A second writer on the same file (another provider instance) continues
	// the same chain.
	w2, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer w2.Close()
	n += mixedRun(t, w2)
	n += mixedRun(t, w)
	s, err := VerifyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if s.Records != n || len(s.Head) != 64 {
		t.Errorf("Verify = %+v, want %d records", s, n)
	}
}

func TestVerifyDetectsTampering(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		tamper   func(lines []string) []string
		wantLine int
		wantMsg  string
	}{
		{name: "edited record", wantLine: 4, wantMsg: "line 3 was edited", tamper: func(l []string) []string {
			l[2] = strings.Replace(l[2], `"web-1"`, `"web-9"`, 1)
			return l
		}},
		{name: "edited outcome", wantLine: 5, tamper: func(l []string) []string {
			l[3] = strings.Replace(l[3], `"success"`, `"failure"`, 1)
			return l
		}},
		{name: "deleted record", wantLine: 3, wantMsg: "deleted, inserted or reordered", tamper: func(l []string) []string {
			return append(l[:2:2], l[3:]...)
		}},
		{name: "reordered records", wantLine: 3, tamper: func(l []string) []string {
			l[2], l[3] = l[3], l[2]
			return l
		}},
		{name: "first record deleted", wantLine: 1, wantMsg: "genesis", tamper: func(l []string) []string {
			return l[1:]
		}},
		{name: "inserted record", wantLine: 4, tamper: func(l []string) []string {
			return append(l[:3:3], append([]string{l[1]}, l[3:]...)...)
		}},
		{name: "garbage line", wantLine: 2, wantMsg: "not a JSON record", tamper: func(l []string) []string {
			l[1] = "oops"
			return l
		}},
		{name: "prev removed", wantLine: 6, wantMsg: `no "prev"`, tamper: func(l []string) []string {
			l[5] = `{"kind":"intent"}`
			return l
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w, path := openTemp(t)
			mixedRun(t, w)
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
			out := strings.Join(tt.tamper(lines), "\n") + "\n"
			if err := os.WriteFile(path, []byte(out), 0o600); err != nil {
				t.Fatal(err)
			}
			n, err := Verify(path)
			var be *BrokenError
			if !errors.As(err, &be) {
				t.Fatalf("Verify = %d, %v; want a *BrokenError", n, err)
			}
			if be.Line != tt.wantLine || n != tt.wantLine-1 || !strings.Contains(be.Reason, tt.wantMsg) {
				t.Errorf("broken at line %d after %d records (%s); want line %d, %q", be.Line, n, be.Reason, tt.wantLine, tt.wantMsg)
			}
		})
	}
}

func TestTornRecordIsReportedAndChainContinues(t *testing.T) {
	t.Parallel()
	w, path := openTemp(t)
	mixedRun(t, w)
	w.Close()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(`{"time":"2026-01-01T00:00:00Z","kind":"int`); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := Verify(path); err == nil || !strings.Contains(err.Error(), "line 8: record is incomplete") {
		t.Fatalf("Verify = %v, want the torn line 8 reported", err)
	}
	w2, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer w2.Close()
	if err := w2.Write(rec(KindEvent, "after-crash")); err != nil {
		t.Fatal(err)
	}
	if _, err := Verify(path); err == nil || !strings.Contains(err.Error(), "line 8: not a JSON record") {
		t.Fatalf("Verify = %v, want the torn line 8 reported as broken", err)
	}
}

const helperEnv = "CESO_AUDIT_HELPER_FILE"

// TestHelperProcessAppend is not a test: the concurrency test re-executes
// the test binary with it to get a second process writing the same file.
func TestHelperProcessAppend(t *testing.T) {
	path := os.Getenv(helperEnv)
	if path == "" {
		t.Skip("helper process for TestConcurrentWritersKeepOneChain")
	}
	n, _ := strconv.Atoi(os.Getenv(helperEnv + "_N"))
	w, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	for i := range n {
		if err := w.Write(rec(KindIntent, fmt.Sprintf("child-%d", i))); err != nil {
			t.Fatal(err)
		}
	}
}

func TestConcurrentWritersKeepOneChain(t *testing.T) {
	t.Parallel()
	const goroutines, perGoroutine, childRecords = 8, 40, 300
	w, path := openTemp(t)

	child := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestHelperProcessAppend$", "-test.count=1")
	child.Env = append(os.Environ(), helperEnv+"="+path, helperEnv+"_N="+strconv.Itoa(childRecords))
	var childOut bytes.Buffer
	child.Stdout, child.Stderr = &childOut, &childOut
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}

	var wg sync.WaitGroup
	errs := make(chan error, goroutines)
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perGoroutine {
				if err := w.Write(rec(KindOutcome, fmt.Sprintf("g%d-%d", g, i))); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if err := child.Wait(); err != nil {
		t.Fatalf("helper process: %v\n%s", err, childOut.String())
	}

	n, err := Verify(path)
	if err != nil {
		t.Fatal(err)
	}
	if want := goroutines*perGoroutine + childRecords; n != want {
		t.Fatalf("Verify counted %d records, want %d", n, want)
	}
	pids := countPIDs(t, path)
	if len(pids) != 2 {
		t.Errorf("records came from %d processes, want 2: %v", len(pids), pids)
	}
}

func countPIDs(t *testing.T, path string) map[int]int {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	pids := map[int]int{}
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var r Record
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		pids[r.PID]++
	}
	return pids
}
