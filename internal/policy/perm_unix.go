//go:build unix

package policy

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// checkOwnership refuses files writable by group or others, and files owned
// by anyone but the current user or root. It guards a policy named by
// CESO_POLICY_FILE, which only applies where no system policy exists.
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

// checkSystemOwnership refuses a system policy that anyone but owner (root)
// could have written: the file, and every folder on the way to it, since
// whoever can write a folder can replace what is in it. A folder with the
// sticky bit (/tmp) is accepted when owner owns it: there nobody may
// rename or remove an entry of someone else, and the entry below it is
// checked in turn. Symbolic links are resolved first, so the folders
// checked are the ones that hold the file.
func checkSystemOwnership(path string, fi fs.FileInfo, owner int) error {
	if err := ownedBy(fi, owner, false); err != nil {
		return fmt.Errorf("%w; the system policy must belong to root and be writable by root only (chown root:root, chmod 644)", err)
	}
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return fmt.Errorf("cannot be resolved: %w", err)
	}
	real, _ = filepath.Abs(real)
	for dir := filepath.Dir(real); ; dir = filepath.Dir(dir) {
		dfi, err := os.Stat(dir)
		if err != nil {
			return fmt.Errorf("its folder %s cannot be inspected: %w", dir, err)
		}
		if err := ownedBy(dfi, owner, true); err != nil {
			return fmt.Errorf("its folder %s %w; every folder above the system policy must belong to root and be writable by root only", dir, err)
		}
		if parent := filepath.Dir(dir); parent == dir {
			return nil
		}
	}
}

func ownedBy(fi fs.FileInfo, owner int, folder bool) error {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return errors.New("has no owner information")
	}
	if uid := int(st.Uid); uid != owner && uid != 0 {
		return fmt.Errorf("is owned by uid %d, not root", uid)
	}
	perm := fi.Mode().Perm()
	if perm&0o022 != 0 && (!folder || fi.Mode()&os.ModeSticky == 0) {
		return fmt.Errorf("is writable by group or others (mode %04o)", perm)
	}
	return nil
}
