// Package testtool finds the real programs some tests run instead of a
// reading of them: Debian's prometheus-pushgateway and cloud-init, which
// make test installs. It is imported by tests only.
package testtool

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Program is a command a Debian package installs.
type Program struct {
	Path    string // where the package installs it, e.g. /usr/bin/cloud-init
	Package string // the package that installs it, e.g. cloud-init
}

// Require returns the program's path for t. Missing, it skips t, except
// under CI (CI set), where a missing program is a broken setup and fails t:
// a test that needs a real program must never pass as skipped there.
func Require(t testing.TB, p Program) string {
	t.Helper()
	bin, skip, fail := p.Locate(os.Getenv("CI"), fileExists, exec.LookPath)
	if fail != "" {
		t.Fatal(fail)
	}
	if skip != "" {
		t.Skip(skip)
	}
	return bin
}

// Locate finds the program at its package's path, else on PATH by its
// base name. Missing, it yields a skip message, or a failure message when
// ci is set.
func (p Program) Locate(ci string, exists func(string) bool, lookPath func(string) (string, error)) (bin, skip, fail string) {
	if exists(p.Path) {
		return p.Path, "", ""
	}
	if found, err := lookPath(filepath.Base(p.Path)); err == nil {
		return found, "", ""
	}
	if ci != "" {
		return "", "", p.Path + " is missing under CI: make test installs it (apt-get install -y " + p.Package + ") when it runs as root"
	}
	return "", p.Path + " not found: run apt-get install -y " + p.Package + " (or make test as root) to run this test", ""
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
