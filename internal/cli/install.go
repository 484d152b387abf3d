package cli

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// CommandName is the short name approvers run the tool by. main behaves as
// the approver CLI whenever the binary is invoked under this name.
const CommandName = "ceso"

// install copies the running binary to DIR/ceso. A copy, not a link: the
// provider binary lives under a project's .terraform folder, which `init
// -upgrade` or a clean checkout removes, and the approver's tool should not
// vanish with it.
func (r runner) install(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("install", stderr)
	home, _ := os.UserHomeDir()
	dir := fs.String("dir", filepath.Join(home, ".local", "bin"), "folder on your PATH to put the ceso command in")
	force := fs.Bool("force", false, "replace a different file already named ceso there")
	pos, err := parse(fs, args)
	if err != nil {
		return usageErr(stderr, err)
	}
	if len(pos) > 0 {
		return usageErr(stderr, fmt.Errorf("install takes no arguments, got %q", pos))
	}
	self, err := r.executable()
	if err != nil {
		fmt.Fprintf(stderr, "error: cannot find this binary: %v\n", err)
		return exitFail
	}
	name := CommandName
	if runtime.GOOS == "windows" {
		name += ".exe"
	}
	dst := filepath.Join(*dir, name)
	if err := installCopy(self, dst, *force); err != nil {
		fmt.Fprintf(stderr, "error: %v\n", err)
		return exitFail
	}
	fmt.Fprintf(stdout, "installed %s\n", dst)
	if !onPath(*dir) {
		fmt.Fprintf(stderr, "%s is not on your PATH; add it, e.g. export PATH=\"%s:$PATH\"\n", *dir, *dir)
	}
	return exitOK
}

func (r runner) executable() (string, error) {
	if r.self != "" {
		return r.self, nil
	}
	p, err := os.Executable()
	if err != nil {
		return "", err
	}
	return filepath.EvalSymlinks(p)
}

// installCopy writes src to dst through a temporary file and a rename, so
// a running ceso is never half-overwritten. An identical dst is left as
// it is; a different one only with force.
func installCopy(src, dst string, force bool) error {
	data, err := os.ReadFile(src) //nolint:gosec // G304: the running binary.
	if err != nil {
		return err
	}
	if old, err := os.ReadFile(dst); err == nil { //nolint:gosec // G304: the approver names the folder.
		if bytes.Equal(old, data) {
			return nil
		}
		if !force {
			return fmt.Errorf("%s exists and is a different file; pass --force to replace it", dst)
		}
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil { //nolint:gosec // G301: a bin folder others may run from.
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(dst), ".ceso-install-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o755); err != nil { //nolint:gosec // G302: an executable.
		return err
	}
	return os.Rename(tmp.Name(), dst)
}

func onPath(dir string) bool {
	clean := filepath.Clean(dir)
	for _, p := range filepath.SplitList(os.Getenv("PATH")) {
		if p != "" && filepath.Clean(p) == clean {
			return true
		}
	}
	return false
}

// invokedAs reports whether argv0 names the short command (ceso, ceso.exe).
func invokedAs(argv0 string) bool {
	base := strings.TrimSuffix(filepath.Base(argv0), ".exe")
	return base == CommandName
}
