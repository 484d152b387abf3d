package cli

import (
	"errors"
	"fmt"
	"io"

	"github.com/esxi-commander/terraform-provider-ceso/internal/audit"
)

func (runner) audit(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "verify" {
		return usageErr(stderr, errors.New("audit needs a subcommand: verify FILE"))
	}
	fs := newFlags("audit verify", stderr)
	pos, err := parse(fs, args[1:])
	if err != nil {
		return usageErr(stderr, err)
	}
	if len(pos) != 1 {
		return usageErr(stderr, errors.New("audit verify needs one file"))
	}
	s, err := audit.VerifyFile(pos[0])
	var be *audit.BrokenError
	switch {
	case errors.As(err, &be):
		fmt.Fprintf(stdout, "BROKEN: %s: line %d: %s\n%d records before it verify.\n", pos[0], be.Line, be.Reason, s.Records)
		return exitFail
	case err != nil:
		fmt.Fprintf(stderr, "error: %v\n", err)
		return exitFail
	}
	// The head hash lets a reader detect a later truncation of the file,
	// which the chain alone cannot: keep it outside the file.
	fmt.Fprintf(stdout, "ok: %s: %d records, chain intact, head sha256 %s\n", pos[0], s.Records, s.Head)
	return exitOK
}
