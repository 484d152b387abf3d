package cli

import (
	"flag"
	"fmt"
	"io"
	"strings"
)

func isHelp(arg string) bool {
	return arg == "help" || arg == "-h" || arg == "--help" || arg == "-help"
}

// asksHelp reports whether a command's arguments ask for help; after "--"
// everything is an argument.
func asksHelp(args []string) bool {
	for _, a := range args {
		if a == "--" {
			return false
		}
		if a == "-h" || a == "--help" || a == "-help" {
			return true
		}
	}
	return false
}

// entry is one command's part of usage: its synopsis and description.
type entry struct {
	words []string // the command words, e.g. ["grant", "issue"]
	text  string
}

// entries splits usage into the commands it lists, so help for one
// command prints the same words as the full list.
func entries() []entry {
	var out []entry
	body := usage[strings.Index(usage, "Approver commands:\n")+len("Approver commands:\n"):]
	for _, line := range strings.SplitAfter(body, "\n") {
		switch {
		case strings.HasPrefix(line, "  ") && !strings.HasPrefix(line, "   "):
			var words []string
			for _, w := range strings.Fields(line) {
				if w != strings.ToLower(w) || strings.ContainsAny(w, "[-|") {
					break
				}
				words = append(words, w)
			}
			out = append(out, entry{words: words, text: line})
		case len(out) > 0:
			out[len(out)-1].text += line
		}
	}
	return out
}

// help prints the whole list, or the entries of one command followed by
// the flags of each, to standard output.
func (r runner) help(args []string, stdout, stderr io.Writer) int {
	var words []string
	for _, a := range args {
		if strings.HasPrefix(a, "-") {
			break
		}
		words = append(words, a)
	}
	if len(words) == 0 {
		fmt.Fprint(stdout, usage)
		return exitOK
	}
	var found []entry
	for _, e := range entries() {
		if len(words) <= len(e.words) && strings.Join(e.words[:len(words)], " ") == strings.Join(words, " ") ||
			len(words) > len(e.words) && len(e.words) > 0 && strings.Join(words[:len(e.words)], " ") == strings.Join(e.words, " ") {
			found = append(found, e)
		}
	}
	if len(found) == 0 {
		fmt.Fprintf(stderr, "unknown command %q\n\n%s", strings.Join(words, " "), usage)
		return exitUsage
	}
	fmt.Fprintf(stdout, "Usage: %s <command> [flags]\n\n", Binary)
	for _, e := range found {
		fmt.Fprint(stdout, e.text)
		if cmd, ok := commands[e.words[0]]; ok {
			// The command prints its own flags for -h, so the list
			// cannot miss a flag someone adds later.
			fmt.Fprintln(stdout)
			cmd(r, append(append([]string{}, e.words[1:]...), "-h"), io.Discard, stdout)
		}
		fmt.Fprintln(stdout)
	}
	return exitOK
}

// hasFlags reports whether fs defines any flag.
func hasFlags(fs *flag.FlagSet) bool {
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	return n > 0
}
