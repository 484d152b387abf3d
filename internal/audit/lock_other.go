//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package audit

import "os"

// Without flock (Windows, Plan 9, ...) only the in-process mutex protects
// the chain: two processes sharing one audit file are not supported there.
func lockFile(*os.File) error { return nil }

func unlockFile(*os.File) error { return nil }
