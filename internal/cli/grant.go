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
	modeWord := fs.String("mode", "", "mode granted: standard or unrestricted (default unrestricted with --plan)")
	var scope listFlag
	fs.Var(&scope, "scope", "VM name patterns (path.Match syntax, * for all); repeat or separate with commas (default * with --plan)")
	reason := fs.String("reason", "", "why, e.g. a change ticket; recorded in every audit record that uses the grant")
	approver := fs.String("approver", "", "who approves (name or e-mail)")
	host := fs.String("host", "", "the host the grant is valid for: the host name (or host:port) the provider connects to, or the server's instance UUID")
	once := fs.Bool("once", false, "let one apply use the grant; the provider refuses it once the audit file shows a use")
	planPath := fs.String("plan", "", "bind the grant to a reviewed plan: the JSON of `terraform show -json tfplan`")
	ttl := fs.Duration("ttl", time.Hour, "how long the grant is valid, at most 24h (or the policy's max_grant_ttl)")
	pos, err := parse(fs, args)
	if err != nil {
		return usageErr(stderr, err)
	}
	if len(pos) > 0 {
		return usageErr(stderr, fmt.Errorf("grant issue takes no arguments, got %q", pos))
	}
	var changes []plannedChange
	if *planPath != "" {
		if changes, err = readPlan(*planPath); err != nil {
			fmt.Fprintf(stderr, "error: %v\n", err)
			return exitFail
		}
		if len(changes) == 0 {
			fmt.Fprintf(stderr, "error: %s has no ceso change that needs an elevation; the apply needs no grant\n", *planPath)
			return exitFail
		}
		if *modeWord == "" {
			*modeWord = "unrestricted"
		}
		if len(scope) == 0 {
			scope = listFlag{"*"}
		}
	}
	var missing []string
	for flagName, v := range map[string]string{"--key": *keyPath, "--mode": *modeWord, "--reason": *reason, "--approver": *approver, "--host": *host} {
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
	req := policy.GrantRequest{Mode: mode, Scope: scope, Reason: *reason, Approver: *approver, TTL: *ttl, Host: *host, Once: *once}
	for _, c := range changes {
		req.Changes = append(req.Changes, c.Change)
	}
	token, g, err := policy.IssueGrant(priv, req, r.now())
	if err != nil {
		fmt.Fprintf(stderr, "error: %v\n", err)
		return exitFail
	}
	// The token alone goes to stdout so CESO_ELEVATION=$(... grant issue ...)
	// works; the human summary goes to stderr.
	fmt.Fprintln(stdout, token)
	fmt.Fprintf(stderr, "issued %s\n", g)
	for _, c := range changes {
		fmt.Fprintf(stderr, "  %s: %s (%s)\n", c.Address, c.Change, c.Why)
	}
	return exitOK
}

func (r runner) grantInspect(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("grant inspect", stderr)
	policyPath := fs.String("policy", "", "verify against this policy file instead of the system policy (for an approver's review; the provider trusts only the system policy)")
	planPath := fs.String("plan", "", "check that this JSON plan (terraform show -json tfplan) needs no elevation the grant does not give")
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
	fmt.Fprintf(stdout, "id:         %s\nmode:       %s\nscope:      %s\nhost:       %s\nuses:       %s\nreason:     %s\napprover:   %s\nkey id:     %s\nissued at:  %s\nexpires at: %s\n",
		g.ID, g.Mode, strings.Join(g.Scope, ", "), g.Host, usesOf(g), g.Reason, g.Approver, g.KeyID,
		g.IssuedAt.Format(time.RFC3339), g.ExpiresAt.Format(time.RFC3339))
	if len(g.Changes) > 0 {
		fmt.Fprintf(stdout, "plan:       bound to %d changes:\n", len(g.Changes))
		for _, c := range g.Changes {
			fmt.Fprintf(stdout, "              %s\n", c)
		}
	} else {
		fmt.Fprintln(stdout, "plan:       not bound to a plan (any change in scope)")
	}
	if err := g.CheckTime(t); err != nil {
		fmt.Fprintf(stdout, "validity:   %v\n", err)
	} else {
		fmt.Fprintf(stdout, "validity:   valid for %s more\n", g.ExpiresAt.Sub(t).Round(time.Second))
	}
	code := r.verifySignature(token, *policyPath, t, stdout, stderr)
	if *planPath != "" && code == exitOK {
		code = checkPlan(g, *planPath, stdout, stderr)
	}
	return code
}

// verifySignature checks the grant against the trusted keys of the system
// policy (what the provider trusts), or of --policy for a review, and says
// which one it used: a key trusted by some other file proves nothing.
func (r runner) verifySignature(token, policyPath string, t time.Time, stdout, stderr io.Writer) int {
	var pol *policy.Policy
	var err error
	if policyPath != "" {
		pol, err = policy.LoadPolicyFile(policyPath)
	} else {
		pol, err = policy.Load(r.getenv)
	}
	if err != nil {
		fmt.Fprintf(stderr, "error: %v\n", err)
		return exitFail
	}
	if len(pol.TrustedKeys) == 0 {
		fmt.Fprintf(stdout, "signature:  not verified: %s trusts no approver key\n", pol.Source())
		return exitFail
	}
	verified, err := policy.ParseGrant(token, pol.TrustedKeys, t)
	if err != nil {
		fmt.Fprintf(stdout, "signature:  REFUSED: %v\n", err)
		return exitFail
	}
	fmt.Fprintf(stdout, "signature:  valid, signed by trusted key %q of %s\n", verified.KeyName, pol.Source())
	if !pol.System {
		fmt.Fprintf(stdout, "            (not the system policy %s: the provider trusts only that one when it exists)\n", policy.SystemPath())
	}
	return exitOK
}

// checkPlan reports the plan's elevated changes the grant does not list.
func checkPlan(g *policy.Grant, path string, stdout, stderr io.Writer) int {
	changes, err := readPlan(path)
	if err != nil {
		fmt.Fprintf(stderr, "error: %v\n", err)
		return exitFail
	}
	var missing []string
	for _, c := range changes {
		if len(g.Changes) == 0 {
			continue // an unbound grant is checked by scope at apply
		}
		if !slices.Contains(g.Changes, c.Change) {
			missing = append(missing, fmt.Sprintf("%s: %s (%s)", c.Address, c.Change, c.Why))
		}
	}
	if len(missing) > 0 {
		fmt.Fprintf(stdout, "plan:       REFUSED: %s has changes the grant does not approve:\n  %s\n", path, strings.Join(missing, "\n  "))
		return exitFail
	}
	fmt.Fprintf(stdout, "plan:       %s needs no elevation beyond the grant (%d elevated changes)\n", path, len(changes))
	return exitOK
}

func usesOf(g *policy.Grant) string {
	if g.Once {
		return "one apply (the audit file is the ledger)"
	}
	return "any apply until it expires"
}
