package cloudinit

import (
	"fmt"
	"strconv"
	"strings"
)

// Path locates an attribute as plain steps: a string is an attribute name,
// an int a list index. The names are the Terraform attribute names, so
// Path{"network", "interfaces", 1, "addresses", 0} is
// network.interfaces[1].addresses[0]. An empty Path means the whole payload.
type Path []any

// String renders the path as "network.interfaces[1].addresses[0]".
func (p Path) String() string {
	var b strings.Builder
	for _, step := range p {
		switch s := step.(type) {
		case int:
			b.WriteString("[" + strconv.Itoa(s) + "]")
		default:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			fmt.Fprint(&b, s)
		}
	}
	return b.String()
}

// at returns a copy of p extended by steps; p itself is never changed.
func (p Path) at(steps ...any) Path {
	out := make(Path, 0, len(p)+len(steps))
	return append(append(out, p...), steps...)
}

// Problem is one validation failure. Summary is a short Title-Case line;
// Detail says what is wrong and what to do. Neither holds a secret value.
type Problem struct {
	Path    Path
	Summary string
	Detail  string
}

func (p Problem) String() string {
	if len(p.Path) == 0 {
		return p.Summary + ": " + p.Detail
	}
	return p.Path.String() + ": " + p.Summary + ": " + p.Detail
}

// ValidationError is returned by [Render] when the spec is invalid. It holds
// every problem found, not just the first.
type ValidationError struct {
	Problems []Problem
}

func (e *ValidationError) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return "invalid cloud-init spec: " + strings.Join(lines, "; ")
}

// problems collects Problems during validation.
type problems []Problem

func (ps *problems) add(path Path, summary, format string, args ...any) {
	*ps = append(*ps, Problem{Path: path, Summary: summary, Detail: fmt.Sprintf(format, args...)})
}

func (ps problems) err() error {
	if len(ps) == 0 {
		return nil
	}
	return &ValidationError{Problems: ps}
}

// Summaries, kept in one place so messages stay consistent.
const (
	sumRequired      = "Missing Value"
	sumHostname      = "Invalid Hostname"
	sumFQDN          = "Invalid FQDN"
	sumInstanceID    = "Invalid Instance ID"
	sumText          = "Invalid Text"
	sumUser          = "Invalid User"
	sumDuplicate     = "Duplicate Entry"
	sumPassword      = "Clear-Text Password" //nolint:gosec // G101: a message summary, not a credential.
	sumSSHKey        = "Invalid SSH Public Key"
	sumPackage       = "Invalid Package Name"
	sumTimezone      = "Invalid Timezone"
	sumFile          = "Invalid File"
	sumCommand       = "Invalid Command"
	sumInterface     = "Invalid Interface"
	sumMAC           = "Invalid MAC Address"
	sumAddress       = "Invalid Address"
	sumGateway       = "Invalid Gateway"
	sumGatewayOutset = "Gateway Outside Every Subnet"
	sumRoute         = "Invalid Route"
	sumNameserver    = "Invalid DNS Server"
	sumSearchDomain  = "Invalid DNS Search Domain"
	sumMTU           = "Invalid MTU"
	sumRawFormat     = "Unsupported Raw Data Format"
	sumRawYAML       = "Invalid Raw YAML"
	sumRawKey        = "Unknown Cloud-Config Key"
	sumRawNetwork    = "Network In Raw Data"
	sumRawOverlap    = "Key Set Twice"
	sumRawOpaque     = "Raw Data Cannot Be Merged"
	sumTooLarge      = "Payload Too Large"
)
