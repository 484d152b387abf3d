//go:build unix

package policy

import (
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// checkOwnership refuses files writable by group or others, and files owned
// by anyone but the current user or root.
func checkOwnership(fi fs.FileInfo) error {
	if perm := fi.Mode().Perm(); perm&0o022 != 0 {
		return fmt.Errorf("is writable by users other than its owner (mode %04o); run chmod go-w on it", perm)
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return nil
	}
	if uid := int(st.Uid); uid != 0 && uid != os.Getuid() {
		return fmt.Errorf("is owned by uid %d, not by root or the current user (uid %d)", uid, os.Getuid())
	}
	return nil
}
