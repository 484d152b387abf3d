package audit

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
)

// BrokenError is the first record where the chain does not hold. Line is
// 1-based.
type BrokenError struct {
	Path   string
	Line   int
	Reason string
}

func (e *BrokenError) Error() string {
	return fmt.Sprintf("%s: line %d: %s", e.Path, e.Line, e.Reason)
}

// Summary is what a successful verification found. Head is the hash of the
// last record: keep it outside the file to detect a later truncation.
type Summary struct {
	Records int
	Head    string
}

// Verify checks the chain of an audit file and returns the number of
// records. On a break it returns the records verified so far and a
// *BrokenError naming the first broken line.
func Verify(path string) (int, error) {
	s, err := VerifyFile(path)
	return s.Records, err
}

// VerifyFile is Verify with the head hash.
func VerifyFile(path string) (Summary, error) {
	f, err := os.Open(path) //nolint:gosec // G304: reading the audit file the operator names is the point.
	if err != nil {
		return Summary{}, err
	}
	defer f.Close()
	s, err := VerifyReader(f)
	var be *BrokenError
	if errors.As(err, &be) {
		be.Path = path
	}
	return s, err
}

// VerifyReader checks a chain read from r.
func VerifyReader(r io.Reader) (Summary, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	want := Genesis
	var s Summary
	for line := 1; ; line++ {
		raw, err := br.ReadBytes('\n')
		if errors.Is(err, io.EOF) && len(raw) == 0 {
			s.Head = want
			if s.Records == 0 {
				// ceso writes a record when it starts, so an audit file
				// is never empty unless someone truncated it.
				return s, &BrokenError{Line: 1, Reason: "the file is empty: ceso writes a record at every start, so it was truncated (or never used)"}
			}
			return s, nil
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return s, err
		}
		if len(raw) > maxLineBytes {
			return s, &BrokenError{Line: line, Reason: "line is longer than 16 MiB"}
		}
		content, hadNL := bytes.CutSuffix(raw, []byte("\n"))
		if !hadNL {
			return s, &BrokenError{Line: line, Reason: "record is incomplete (no newline at the end of the file): a write was cut off"}
		}
		var rec struct {
			Prev *string `json:"prev"`
		}
		if err := json.Unmarshal(content, &rec); err != nil {
			return s, &BrokenError{Line: line, Reason: "not a JSON record: " + err.Error()}
		}
		switch {
		case rec.Prev == nil:
			return s, &BrokenError{Line: line, Reason: `record has no "prev" field`}
		case *rec.Prev != want && line == 1:
			return s, &BrokenError{Line: line, Reason: "prev is not the genesis value: the file does not start at the beginning of its chain (records were removed from the top)"}
		case *rec.Prev != want:
			return s, &BrokenError{Line: line, Reason: fmt.Sprintf(
				"prev does not match the SHA-256 of line %d: line %d was edited, or records were deleted, inserted or reordered just before line %d",
				line-1, line-1, line)}
		}
		want = hashLine(content)
		s.Records++
	}
}
