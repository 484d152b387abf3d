package acctest

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
)

// Positive checks that an int64 attribute is greater than zero.
func Positive() knownvalue.Check {
	return knownvalue.Int64Func(func(v int64) error {
		if v <= 0 {
			return fmt.Errorf("want a positive number, got %d", v)
		}
		return nil
	})
}

// NonEmpty checks that a string attribute is not empty.
func NonEmpty() knownvalue.Check {
	return knownvalue.StringFunc(func(v string) error {
		if v == "" {
			return fmt.Errorf("want a non-empty string")
		}
		return nil
	})
}

// ErrorMatching builds an ExpectError pattern from phrases that must appear
// in order. The CLI wraps long lines, so spaces in a phrase match any run of
// white space, and the rest of each phrase is matched literally.
func ErrorMatching(phrases ...string) *regexp.Regexp {
	parts := make([]string, len(phrases))
	for i, p := range phrases {
		words := strings.Fields(p)
		for j, w := range words {
			words[j] = regexp.QuoteMeta(w)
		}
		parts[i] = strings.Join(words, `\s+`)
	}
	return regexp.MustCompile(`(?s)` + strings.Join(parts, ".*"))
}

// HostCheck runs fn after a step as a state check. Unlike the legacy Check
// functions it works with for_each resources.
type HostCheck func() error

// CheckState implements statecheck.StateCheck.
func (f HostCheck) CheckState(_ context.Context, _ statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	resp.Error = f()
}
