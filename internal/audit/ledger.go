package audit

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"os"
)

// GrantUsed reports whether a record in the audit file at path shows an
// elevated operation under grantID by a process other than pid. The audit
// file is the ledger of one-time grants: it is the one place every apply
// on this machine writes to, and the policy keeps it where the agent
// cannot rewrite it. A line that does not decode is skipped: a torn last
// line must not block every later apply (Verify reports it).
func GrantUsed(path, grantID string, pid int) (bool, error) {
	f, err := os.Open(path) //nolint:gosec // G304: the policy's audit file.
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return false, nil
		}
		return false, err
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 64<<10)
	for {
		line, err := br.ReadBytes('\n')
		if len(line) > 0 {
			var rec struct {
				PID       int        `json:"pid"`
				Elevation *Elevation `json:"elevation"`
			}
			if json.Unmarshal(line, &rec) == nil && rec.Elevation != nil && rec.Elevation.GrantID == grantID && rec.PID != pid {
				return true, nil
			}
		}
		if errors.Is(err, io.EOF) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
	}
}
