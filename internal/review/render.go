package review

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/esxi-commander/terraform-provider-ceso/internal/policy"
)

// WriteJSON prints the report for CI: the same data as the page.
func (rep *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rep)
}

// WriteText prints the one page for the approver.
func (rep *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	plan := rep.Plan
	if plan == "" {
		plan = "the plan on standard input"
	}
	fmt.Fprintf(&b, "Review of %s\n", plan)
	fmt.Fprintf(&b, "%d ceso change(s)", len(rep.Changes))
	if rep.OtherChanges > 0 {
		fmt.Fprintf(&b, "; %d change(s) of other providers, not reviewed here", rep.OtherChanges)
	}
	b.WriteString(".\n")
	host, one := rep.oneHost()
	if one {
		fmt.Fprintf(&b, "Host: %s\n", hostOrEnv(host))
	}
	for _, e := range Effects() {
		rep.writeGroup(&b, e, one)
	}
	b.WriteString("\n")
	if rep.Grant == nil {
		b.WriteString("Mode needed: none (nothing changes on a host).\n")
	} else {
		g := rep.Grant
		fmt.Fprintf(&b, "Highest mode needed: %s", g.Mode)
		if g.Mode > policy.DefaultMode {
			fmt.Fprintf(&b, " (%s mode runs it only with an elevation grant)", policy.DefaultMode)
		}
		b.WriteString("\n")
		fmt.Fprintf(&b, "Grant that covers this plan (mode %s, scope %s):\n  %s\n", g.Mode, orNone(strings.Join(g.Scope, ",")), g.Recommended)
		if g.Recommended == g.Command {
			fmt.Fprintf(&b, "Bound to this plan instead:\n  %s\n", g.PlanCommand)
		} else {
			fmt.Fprintf(&b, "By mode and scope instead:\n  %s\n", g.Command)
		}
	}
	fmt.Fprintf(&b, "Policy: %s\n", rep.Policy)
	if len(rep.Warnings) > 0 {
		b.WriteString("\nWarnings (read before approving):\n")
		for _, w := range rep.Warnings {
			fmt.Fprintf(&b, "  ! %s\n", w)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// oneHost reports whether every change goes to the same host, which the
// page then names once.
func (rep *Report) oneHost() (string, bool) {
	if len(rep.Changes) == 0 {
		return "", false
	}
	h := rep.Changes[0].Host
	for _, c := range rep.Changes[1:] {
		if c.Host != h {
			return "", false
		}
	}
	return h, true
}

// hostOrEnv names the host; a plan does not record CESO_HOST.
func hostOrEnv(h string) string {
	if h == "" {
		return "from CESO_HOST at apply (not in the configuration)"
	}
	return h
}

func (rep *Report) writeGroup(b *strings.Builder, e Effect, oneHost bool) {
	var lines []string
	for _, c := range rep.Changes {
		for _, it := range c.Items {
			if it.Effect != e {
				continue
			}
			obj := c.ObjectKind + " " + quoteOr(c.Object, "(known after apply)")
			if len(c.Also) > 0 {
				obj += fmt.Sprintf(" (renamed from %q)", strings.Join(c.Also, ", "))
			}
			line := fmt.Sprintf("  %s  %s  needs %s (%s)", c.Address, obj, it.Mode, it.Action)
			if !oneHost {
				line += "  on " + hostOrEnv(c.Host)
			}
			if it.Detail != "" {
				line += "\n      " + it.Detail
			}
			lines = append(lines, line)
		}
	}
	if len(lines) == 0 {
		return
	}
	fmt.Fprintf(b, "\n%s (%d)\n%s\n", e.Title(), len(lines), strings.Join(lines, "\n"))
}

func quoteOr(s, alt string) string {
	if s == "" {
		return alt
	}
	return fmt.Sprintf("%q", s)
}
