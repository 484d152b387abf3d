// Package cli holds the approver commands built into the provider binary:
// keygen, grant issue, grant inspect and audit verify. main calls Run when
// the first argument is one of them (IsCommand), so approvers need no tool
// besides the provider they already trust.
package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// Binary is how the commands are invoked, for usage and messages.
const Binary = "terraform-provider-ceso"

// Exit codes.
const (
	exitOK    = 0
	exitFail  = 1
	exitUsage = 2
)

// usage is the command list; help.go prints one command's part of it.
const usage = `Usage: ` + Binary + ` <command> [flags]   (or: ceso <command> [flags])

Terraform and OpenTofu run this binary as the ceso provider. Run by a person,
it is the approvers' tool:

Approver commands:
  review [--json] [--policy FILE] PLAN.json
        Summarise a saved plan for approval: ceso's changes grouped by effect,
        the highest mode they need, the grant command that covers them, and
        what the apply will refuse. PLAN.json is terraform show -json tfplan.
  keygen [--out PREFIX] [--name NAME]
        Make an ed25519 key pair: PREFIX.key (private, mode 0600) and
        PREFIX.pub, and print the trusted_keys entry for the policy file.
        Missing folders of PREFIX are created with mode 0700.
  grant issue --key FILE --host HOST --reason TEXT --approver NAME
              (--mode MODE --scope PATTERN[,PATTERN...] | --plan PLAN.json) [--once] [--ttl 1h]
        Sign an elevation grant for one host and print it. TTL is at most
        24h. --plan binds it to the elevated changes of a reviewed plan
        (terraform show -json tfplan > PLAN.json); --once lets one apply use it.
  grant inspect [--policy FILE] [--plan PLAN.json] TOKEN|-
        Show what a grant says and verify it against the system policy's
        trusted keys (or --policy's, for a review); with --plan, check that
        the plan needs no elevation the grant does not give.
  audit verify FILE
        Check the hash chain of an audit file; exit 1 at the first broken record.
  backup list [--json] DATASTORE-PATH
        Read-only: each VM's last complete backup under DATASTORE-PATH
        ("[backup01] ceso"), its age and size, and the newest restore drill's
        result (verify = "boot"), from the manifests. Connects
        with the provider's environment: CESO_HOST, CESO_USERNAME,
        CESO_PASSWORD, CESO_TLS_THUMBPRINT or CESO_INSECURE.
  install [--dir DIR] [--force]
        Copy this binary to DIR/ceso (default ~/.local/bin) so approvers can
        run "ceso review", "ceso keygen", ... from any folder.
  help [COMMAND]
        Show this list, or one command with its flags (also: COMMAND --help).
`

// runner carries what tests replace: the clock and standard input.
type runner struct {
	now    func() time.Time
	stdin  io.Reader
	getenv func(string) string
	self   string // the binary install copies; "" means the running one
}

var commands = map[string]func(r runner, args []string, stdout, stderr io.Writer) int{
	"keygen":  runner.keygen,
	"grant":   runner.grant,
	"audit":   runner.audit,
	"review":  runner.review,
	"install": runner.install,
	"backup":  runner.backup,
}

// IsCommand reports whether arg (the first command-line argument) names an
// approver command, or asks for help, rather than the provider's own flags.
func IsCommand(arg string) bool {
	_, ok := commands[arg]
	return ok || isHelp(arg)
}

// Run executes an approver command and returns the process exit code.
func Run(args []string, stdout, stderr io.Writer) int {
	return runner{now: time.Now, stdin: os.Stdin, getenv: os.Getenv}.run(args, stdout, stderr)
}

// IsApproverInvocation reports whether main should run the approver CLI
// rather than serve the provider: the binary was run as "ceso", or its
// first argument is a command or asks for help, or a person ran it with no
// arguments (Terraform always sets the plugin handshake variable; without
// it the plugin server would only print "This binary is a plugin").
func IsApproverInvocation(argv []string, getenv func(string) string) bool {
	switch {
	case len(argv) > 0 && invokedAs(argv[0]):
		return true
	case len(argv) > 1:
		return IsCommand(argv[1])
	}
	return getenv("TF_PLUGIN_MAGIC_COOKIE") == ""
}

func (r runner) run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	if isHelp(args[0]) {
		return r.help(args[1:], stdout, stderr)
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "unknown command %q\n\n%s", args[0], usage)
		return exitUsage
	}
	if asksHelp(args[1:]) {
		return r.help(args, stdout, stderr)
	}
	return cmd(r, args[1:], stdout, stderr)
}

// newFlags makes a flag set that reports to stderr and never exits.
func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(Binary+" "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		if !hasFlags(fs) {
			fmt.Fprintf(fs.Output(), "%s takes no flags.\n", name)
			return
		}
		fmt.Fprintf(fs.Output(), "Flags of %s:\n", name)
		fs.PrintDefaults()
	}
	return fs
}

// parse accepts flags before, between and after positional arguments, the
// way people type them ("grant inspect TOKEN --policy p.json").
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if rest[0] == "--" {
			return append(pos, rest[1:]...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// usageErr prints a usage problem and returns the usage exit code.
func usageErr(stderr io.Writer, err error) int {
	if !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintf(stderr, "error: %v\n", err)
	}
	return exitUsage
}

// listFlag collects repeated and comma-separated values.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(v string) error {
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			*l = append(*l, p)
		}
	}
	return nil
}
