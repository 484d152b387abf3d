package acctest

import (
	"fmt"

	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
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
