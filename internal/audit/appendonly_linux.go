//go:build linux

package audit

import (
	"os"

	"golang.org/x/sys/unix"
)

// fsAppendFL is FS_APPEND_FL of <linux/fs.h>: writes may only append, and
// not even root can truncate or rewrite the file until root (with
// CAP_LINUX_IMMUTABLE) removes the flag with chattr -a.
const fsAppendFL = 0x20

// appendOnly reports whether f carries the append-only inode flag, read
// with the FS_IOC_GETFLAGS ioctl (what lsattr does).
func appendOnly(f *os.File) (bool, error) {
	flags, err := unix.IoctlGetUint32(int(f.Fd()), unix.FS_IOC_GETFLAGS)
	if err != nil {
		return false, err
	}
	return flags&fsAppendFL != 0, nil
}
