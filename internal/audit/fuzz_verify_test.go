package audit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"
)

// chain returns n records chained as Writer writes them.
func chain(n int) []byte {
	var b bytes.Buffer
	prev := Genesis
	for i := 0; i < n; i++ {
		line := fmt.Sprintf(`{"time":"2026-11-25T22:00:0%dZ","run_id":"run-1","kind":"event","reason":"r%d","pid":7,"prev":%q}`, i, i, prev)
		b.WriteString(line + "\n")
		prev = hashLine([]byte(line))
	}
	return b.Bytes()
}

// FuzzVerify feeds arbitrary files to the chain verifier, which reads audit
// files that someone may have edited. It never panics; what it accepts is a
// chain whose every line names the SHA-256 of the line before; and no
// change of one byte of an accepted file keeps the file valid with the same
// head hash, so an edit is caught by Verify or by the head kept elsewhere.
func FuzzVerify(f *testing.F) {
	good := chain(3)
	f.Add(good, uint(10), byte('X'))
	f.Add(good, uint(len(good)-2), byte('}'))
	f.Add(chain(1), uint(0), byte(' '))
	f.Add([]byte{}, uint(0), byte('\n'))
	f.Add(good[:len(good)-1], uint(5), byte('a'))
	f.Add([]byte("{\"prev\":\""+Genesis+"\"}\n{\"prev\":\""+Genesis+"\"}\n"), uint(3), byte('p'))
	f.Fuzz(func(t *testing.T, data []byte, pos uint, b byte) {
		s, err := VerifyReader(bytes.NewReader(data))
		if err != nil {
			return
		}
		// An independent check of what was accepted.
		want, records := Genesis, 0
		for _, line := range bytes.SplitAfter(data, []byte("\n")) {
			if len(line) == 0 {
				continue
			}
			content, ok := bytes.CutSuffix(line, []byte("\n"))
			if !ok {
				t.Fatalf("accepted a last line without a newline: %q", line)
			}
			var rec struct {
				Prev *string `json:"prev"`
			}
			if json.Unmarshal(content, &rec) != nil || rec.Prev == nil || *rec.Prev != want {
				t.Fatalf("accepted line %d (%q) that does not chain to %s", records+1, content, want)
			}
			want = hashLine(content)
			records++
		}
		if records != s.Records || want != s.Head {
			t.Fatalf("Verify says %d records, head %s; the file has %d, head %s", s.Records, s.Head, records, want)
		}
		if len(data) == 0 {
			return
		}
		edited := bytes.Clone(data)
		edited[pos%uint(len(data))] = b
		if bytes.Equal(edited, data) {
			return
		}
		if s2, err := VerifyReader(bytes.NewReader(edited)); err == nil && s2.Head == s.Head {
			t.Fatalf("an edit at byte %d went unnoticed: same head %s", pos%uint(len(data)), s.Head)
		}
	})
}
