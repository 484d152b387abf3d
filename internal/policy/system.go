package policy

import (
	"os"
	"sync"
	"testing"
)

// systemPolicy is where the system policy lives and who must own it. Nothing
// the provider's user controls can change it: not an attribute, not an
// environment variable (an agent sets both). Only a test binary may point it
// elsewhere, through SetSystemPathForTest.
var systemPolicy = struct {
	sync.RWMutex
	path string
	// owner is the uid that must own the file and its folders: root, or
	// the user running a test binary that moved the path.
	owner int
}{path: defaultSystemPath, owner: 0}

// SystemPath is the path of the system policy file.
func SystemPath() string {
	systemPolicy.RLock()
	defer systemPolicy.RUnlock()
	return systemPolicy.path
}

func systemOwner() int {
	systemPolicy.RLock()
	defer systemPolicy.RUnlock()
	return systemPolicy.owner
}

// SetSystemPathForTest points the system policy at path, to be owned by the
// user running the test, and returns a function that restores the real
// path. It panics outside a test binary: testing.Testing reports false in a
// binary built by go build, so the provider users run has no way at all to
// move its system policy, and an agent that sets the environment of the
// provider process cannot reach this hook.
func SetSystemPathForTest(path string) (restore func()) {
	if !testing.Testing() {
		panic("policy.SetSystemPathForTest called outside a test binary")
	}
	systemPolicy.Lock()
	oldPath, oldOwner := systemPolicy.path, systemPolicy.owner
	systemPolicy.path, systemPolicy.owner = path, os.Getuid()
	systemPolicy.Unlock()
	return func() {
		systemPolicy.Lock()
		systemPolicy.path, systemPolicy.owner = oldPath, oldOwner
		systemPolicy.Unlock()
	}
}
