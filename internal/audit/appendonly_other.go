//go:build !linux

package audit

import (
	"errors"
	"os"
)

// appendOnly: the append-only inode flag is read on Linux only; elsewhere
// a policy that requires it cannot be met and the provider does not start.
func appendOnly(*os.File) (bool, error) {
	return false, errors.New("the append-only attribute can only be checked on Linux")
}
