package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/esxi-commander/terraform-provider-ceso/internal/policy"
)

func (r runner) grant(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		return usageErr(stderr, errors.New("grant needs a subcommand: issue or inspect"))
	}
	switch args[0] {
	case "issue":
		return r.grantIssue(args[1:], stdout, stderr)
	case "inspect":
		return r.grantInspect(args[1:], stdout, stderr)
	default:
		return usageErr(stderr, fmt.Errorf("unknown grant subcommand %q: use issue or inspect", args[0]))
	}
}

func (r runner) grantIssue(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("grant issue", stderr)
	keyPath := fs.String("key", "", "approver private key file (from keygen)")
	modeWord := fs.String("mode", "", "mode granted: standard or unrestricted")
	var scope listFlag
	fs.Var(&scope, "scope", "VM name patterns (path.Match syntax, * for all); repeat or separate with commas")
	reason := fs.String("reason", "", "why, e.g. a change ticket; recorded in every audit record that uses the grant")
	approver := fs.String("approver", "", "who approves (name or e-mail)")
	ttl := fs.Duration("ttl", time.Hour, "how long the grant is valid, at most 24h")
	pos, err := parse(fs, args)
	if err != nil {
		return usageErr(stderr, err)
	}
	if len(pos) > 0 {
		return usageErr(stderr, fmt.Errorf("grant issue takes no arguments, got %q", pos))
	}
	var missing []string
	for flagName, v := range map[string]string{"--key": *keyPath, "--mode": *modeWord, "--reason": *reason, "--approver": *approver} {
		if strings.TrimSpace(v) == "" {
			missing = append(missing, flagName)
		}
	}
	if len(scope) == 0 {
		missing = append(missing, "--scope")
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		return usageErr(stderr, fmt.Errorf("missing %s", strings.Join(missing, ", ")))
	}
	mode, err := policy.ParseMode(*modeWord)
	if err != nil {
		return usageErr(stderr, err)
	}
	priv, err := readPrivateKey(*keyPath)
	if err != nil {
		fmt.Fprintf(stderr, "error: %v\n", err)
		return exitFail
	}
	token, g, err := policy.IssueGrant(priv, policy.GrantRequest{Mode: mode, Scope: scope, Reason: *reason, Approver: *approver, TTL: *ttl}, r.now())
	if err != nil {
		fmt.Fprintf(stderr, "error: %v\n", err)
		return exitFail
	}
	// The token alone goes to stdout so CESO_ELEVATION=$(... grant issue ...)
	// works; the human summary goes to stderr.
	fmt.Fprintln(stdout, token)
	fmt.Fprintf(stderr, "issued %s\n", g)
	return exitOK
}

func (r runner) grantInspect(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("grant inspect", stderr)
	policyPath := fs.String("policy", "", "policy file whose trusted keys verify the grant")
	pos, err := parse(fs, args)
	if err != nil {
		return usageErr(stderr, err)
	}
	if len(pos) != 1 {
		return usageErr(stderr, errors.New("grant inspect needs one token, or - to read it from standard input"))
	}
	token := pos[0]
	if token == "-" {
		line, err := bufio.NewReader(io.LimitReader(r.stdin, 64<<10)).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			fmt.Fprintf(stderr, "error: %v\n", err)
			return exitFail
		}
		token = strings.TrimSpace(line)
	}
	g, err := policy.InspectGrant(token)
	if err != nil {
		fmt.Fprintf(stderr, "error: %v\n", err)
		return exitFail
	}
	t := r.now()
	fmt.Fprintf(stdout, "id:         %s\nmode:       %s\nscope:      %s\nreason:     %s\napprover:   %s\nkey id:     %s\nissued at:  %s\nexpires at: %s\n",
		g.ID, g.Mode, strings.Join(g.Scope, ", "), g.Reason, g.Approver, g.KeyID,
		g.IssuedAt.Format(time.RFC3339), g.ExpiresAt.Format(time.RFC3339))
	if err := g.CheckTime(t); err != nil {
		fmt.Fprintf(stdout, "validity:   %v\n", err)
	} else {
		fmt.Fprintf(stdout, "validity:   valid for %s more\n", g.ExpiresAt.Sub(t).Round(time.Second))
	}
	if *policyPath == "" {
		fmt.Fprintln(stdout, "signature:  not verified (pass --policy FILE to verify against its trusted keys)")
		return exitOK
	}
	pol, err := policy.LoadPolicyFile(*policyPath)
	if err != nil {
		fmt.Fprintf(stderr, "error: %v\n", err)
		return exitFail
	}
	verified, err := policy.ParseGrant(token, pol.TrustedKeys, t)
	if err != nil {
		fmt.Fprintf(stdout, "signature:  REFUSED: %v\n", err)
		return exitFail
	}
	fmt.Fprintf(stdout, "signature:  valid, signed by trusted key %q of %s\n", verified.KeyName, pol.Path)
	return exitOK
}
