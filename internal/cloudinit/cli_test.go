package cloudinit

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/esxi-commander/terraform-provider-ceso/internal/testtool"
)

// The payload is checked by the real cloud-init, the program that reads it
// on the guest: `make test` installs Debian's cloud-init package (see the
// GNUmakefile). These helpers find and run it.

// cloudInitBinary is where Debian's cloud-init package installs it.
const cloudInitBinary = "/usr/bin/cloud-init"

// cliTimeout bounds one cloud-init run. A run takes about a second (it is
// Python), more on a loaded machine; a hung one must not hang the suite.
const cliTimeout = 2 * time.Minute

// requireCloudInit returns the cloud-init binary. Without it the test is
// skipped, except under CI (CI set), where a missing binary means the CI
// setup is broken and the test fails.
func requireCloudInit(t *testing.T) string {
	t.Helper()
	return testtool.Require(t, testtool.Program{Path: cloudInitBinary, Package: "cloud-init"})
}

// runCloudInit runs cloud-init with args in dir and returns its combined
// output and exit error.
func runCloudInit(t *testing.T, bin, dir string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), cliTimeout)
	defer cancel()
	//nolint:gosec // G204: bin is the cloud-init found on this machine; args are the test's own.
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = dir
	// HOME in the temp dir: nothing cloud-init might cache lands in the
	// user's home, and parallel runs share nothing.
	cmd.Env = append(os.Environ(), "HOME="+dir, "LC_ALL=C.UTF-8")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("cloud-init %v did not finish in %v:\n%s", args, cliTimeout, out.String())
	}
	return out.String(), err
}

// netConvert feeds metaData, as the VMware datasource receives it, to
// `cloud-init devel net-convert` for one renderer and distribution, and
// returns the files it writes, keyed by their path under the output root.
// net-convert reads the "network" key of the document, as the datasource
// does.
func netConvert(t *testing.T, bin, metaData, renderer, distro string) (map[string]string, error) {
	t.Helper()
	dir := t.TempDir()
	in := filepath.Join(dir, "meta-data")
	if err := os.WriteFile(in, []byte(metaData), 0o600); err != nil {
		t.Fatal(err)
	}
	outDir := filepath.Join(dir, "out")
	out, err := runCloudInit(t, bin, dir, "devel", "net-convert",
		"--network-data", in, "--kind", "yaml", "--directory", outDir,
		"--distro", distro, "--output-kind", renderer)
	if err != nil {
		return nil, errors.New(lastLines(out, 4) + "\n(" + err.Error() + ")")
	}
	files := map[string]string{}
	err = filepath.WalkDir(outDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(outDir, p)
		files[filepath.ToSlash(rel)] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files, nil
}

// schemaCheck runs `cloud-init schema --config-file` on doc. It returns nil
// when cloud-init exits 0 ("Valid cloud-config: FILE" in 22.4; the wording
// changes between versions, the exit status does not), else its output.
func schemaCheck(t *testing.T, bin, doc string) error {
	t.Helper()
	dir := t.TempDir()
	in := filepath.Join(dir, "user-data")
	if err := os.WriteFile(in, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := runCloudInit(t, bin, dir, "schema", "--config-file", in)
	if err != nil {
		return errors.New(out + "(" + err.Error() + ")")
	}
	return nil
}

// lastLines returns the last n lines of s: the exception of a Python
// traceback, without its stack.
func lastLines(s string, n int) string {
	lines := bytes.Split(bytes.TrimRight([]byte(s), "\n"), []byte("\n"))
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return string(bytes.Join(lines, []byte("\n")))
}

// TestCloudInitSchema runs every golden #cloud-config document (user-data
// and vendor-data), and those the fuzz corpus renders, through
// `cloud-init schema`, after checking that the command rejects a document
// that breaks the schema.
func TestCloudInitSchema(t *testing.T) {
	t.Parallel()
	bin := requireCloudInit(t)
	t.Run("rejects a broken document", func(t *testing.T) {
		t.Parallel()
		if err := schemaCheck(t, bin, "#cloud-config\npackages: [yes]\nruncmd: 5\n"); err == nil {
			t.Fatal("cloud-init schema accepted packages: [yes] and runcmd: 5")
		} else if !strings.Contains(err.Error(), "runcmd") {
			t.Errorf("cloud-init schema output does not name runcmd:\n%v", err)
		}
	})
	docs := map[string]string{}
	files, err := filepath.Glob(filepath.Join("testdata", "*-data.golden"))
	if err != nil {
		t.Fatal(err)
	}
	for _, file := range files {
		if strings.HasSuffix(file, ".meta-data.golden") {
			continue
		}
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		docs[filepath.Base(file)] = string(b)
	}
	golden := len(docs)
	// The corpus's raw documents stand for what users bring, valid or not
	// for a module (raw-anchors gives chef ntp's settings); ceso checks
	// their keys only. The user-data ceso renders on its own must pass.
	for _, c := range fuzzCorpus(t) {
		if p, err := Render(c.spec); err == nil && c.spec.UserDataRaw == "" {
			docs["fuzz "+c.name+" user-data"] = p.UserData
		}
	}
	checked := 0
	for name, doc := range docs {
		if classifyRaw(doc) != rawCloudConfig {
			continue // a script, MIME multipart or nothing: not a cloud-config
		}
		checked++
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if err := schemaCheck(t, bin, doc); err != nil {
				t.Errorf("cloud-init schema rejects %s:\n%v\n%s", name, err, doc)
			}
		})
	}
	if golden < 8 || checked < 9 {
		t.Errorf("found %d golden user-data and vendor-data files, checked %d cloud-configs; want at least 8 and 9", golden, checked)
	}
}
