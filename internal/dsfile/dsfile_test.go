package dsfile_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/esxi-commander/terraform-provider-ceso/internal/dsfile"
	"github.com/esxi-commander/terraform-provider-ceso/internal/esxi"
	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
)

type env struct {
	t    *testing.T
	host *simhost.Host
	m    *dsfile.Manager
	ctx  context.Context
}

func newEnv(t *testing.T) *env {
	t.Helper()
	h, err := simhost.Start(simhost.Options{Templates: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.Close)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	c, err := esxi.Connect(ctx, esxi.Config{Host: h.URL.String(), Username: h.Username, Password: h.Password, Insecure: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	return &env{t: t, host: h, m: dsfile.New(c), ctx: ctx}
}

// files lists the datastore files under folder.
func (e *env) files(folder string) []string {
	e.t.Helper()
	all, err := e.host.Files()
	if err != nil {
		e.t.Fatal(err)
	}
	var out []string
	for _, f := range all {
		if strings.Contains(filepath.ToSlash(f), "/"+folder+"/") {
			out = append(out, filepath.Base(f))
		}
	}
	return out
}

func writeFile(t *testing.T, size int) (string, string) {
	t.Helper()
	b := []byte(strings.Repeat("ceso iso ", size/9+1))[:size]
	p := filepath.Join(t.TempDir(), "seed.iso")
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	s := sha256.Sum256(b)
	return p, hex.EncodeToString(s[:])
}

func serve(t *testing.T, dir string) string {
	t.Helper()
	ln, err := new(net.ListenConfig).Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.FileServer(http.Dir(dir)), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return "http://" + ln.Addr().String()
}

func TestUploadReadDelete(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p, sum := writeFile(t, 300_000)
	url := serve(t, filepath.Dir(p)) + "/seed.iso"
	var last dsfile.Progress
	for i, src := range []string{p, url} {
		target := []string{"[LocalDS_0] isos/local.iso", "[LocalDS_0] isos/deep/url.iso"}[i]
		f, err := e.m.Upload(e.ctx, dsfile.Spec{Source: src, SourceSHA256: sum, Path: target}, func(p dsfile.Progress) { last = p })
		if err != nil {
			t.Fatalf("upload %s: %v", src, err)
		}
		if f.SHA256 != sum || f.Size != 300_000 || f.Path != target || f.Datastore != "LocalDS_0" {
			t.Errorf("file = %+v", f)
		}
		if last.Percent != 100 || last.Bytes != 300_000 {
			t.Errorf("last progress = %+v", last)
		}
		got, err := e.m.Read(e.ctx, target, "")
		if err != nil || got.Size != 300_000 {
			t.Errorf("Read = %+v, %v", got, err)
		}
	}
	if got := e.files("isos"); strings.Join(got, " ") != "url.iso local.iso" { // deep/url.iso sorts first
		t.Errorf("files in isos = %v", got)
	}
	// The same path again is refused: ceso never overwrites a file.
	_, err := e.m.Upload(e.ctx, dsfile.Spec{Source: p, Path: "[LocalDS_0] isos/local.iso"}, nil)
	if fe, ok := dsfile.AsFieldError(err); !ok || fe.Summary != "File Already Exists" {
		t.Errorf("second upload: %v", err)
	}
	if err := e.m.Delete(e.ctx, "[LocalDS_0] isos/local.iso", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := e.m.Read(e.ctx, "[LocalDS_0] isos/local.iso", ""); !errors.Is(err, dsfile.ErrNotFound) {
		t.Errorf("Read after Delete: %v", err)
	}
	if err := e.m.Delete(e.ctx, "[LocalDS_0] isos/local.iso", ""); err != nil {
		t.Errorf("second Delete: %v", err)
	}
}

func TestUploadFailuresLeaveNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p, _ := writeFile(t, 100_000)
	for _, tc := range []struct {
		name, field, summary string
		spec                 dsfile.Spec
	}{
		{"checksum", "source_sha256", "Checksum Mismatch", dsfile.Spec{Source: p, SourceSHA256: strings.Repeat("a", 64), Path: "[LocalDS_0] bad/a.iso"}},
		{"missing", "source", "Source File Not Found", dsfile.Spec{Source: p + ".gone", Path: "[LocalDS_0] bad/b.iso"}},
		{"unreachable", "source", "Source URL Unreachable", dsfile.Spec{Source: "http://127.0.0.1:1/x.iso", Path: "[LocalDS_0] bad/c.iso"}},
		{"bad path", "path", "Invalid Datastore Path", dsfile.Spec{Source: p, Path: "LocalDS_0/x.iso"}},
		{"unknown datastore", "path", "Datastore Not Found", dsfile.Spec{Source: p, Path: "[nope] x.iso"}},
	} {
		_, err := e.m.Upload(e.ctx, tc.spec, nil)
		fe, ok := dsfile.AsFieldError(err)
		if !ok || fe.Field != tc.field || fe.Summary != tc.summary {
			t.Errorf("%s: %v; want %s on %s", tc.name, err, tc.summary, tc.field)
		}
	}
	if f := e.files("bad"); len(f) != 0 {
		t.Errorf("files left after failed uploads: %v", f)
	}
	// A temporary file left by a killed upload goes with the next upload.
	if _, err := e.m.Upload(e.ctx, dsfile.Spec{Source: p, Path: "[LocalDS_0] bad/a.iso.ceso-upload-dead"}, nil); err == nil {
		t.Error("a temporary name was accepted as a target")
	}
}

// TestStaleUploads: an upload removes the temporary files interrupted
// uploads of the same path left, and nothing else: only names of ceso's
// exact form whose lease ran out, each confirmed first; a refusal keeps the
// file and the upload goes on.
func TestStaleUploads(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p, sum := writeFile(t, 100_000)
	dir, _ := e.host.Dir()
	folder := filepath.Join(dir, "ha-datacenter-LocalDS_0", "up")
	if err := os.MkdirAll(folder, 0o700); err != nil {
		t.Fatal(err)
	}
	past, future := time.Now().Add(-time.Hour).Unix(), time.Now().Add(time.Hour).Unix()
	names := map[string]bool{ // name -> removed by the upload
		fmt.Sprintf("a.iso.ceso-upload-%d-0123456789abcdef", past):     true,
		fmt.Sprintf("a.iso.ceso-upload-%d-fedcba9876543210", past):     true,  // refused below: kept
		fmt.Sprintf("a.iso.ceso-upload-%d-0123456789abcdef", future):   false, // may still be running
		"a.iso.ceso-upload-0123":                                       false, // not ceso's form
		fmt.Sprintf("a.iso.ceso-upload-%d-0123456789abcdef.bak", past): false,
		fmt.Sprintf("b.iso.ceso-upload-%d-0123456789abcdef", past):     false, // another target's
		fmt.Sprintf("xa.iso.ceso-upload-%d-0123456789abcdef", past):    false,
		fmt.Sprintf("a.iso.ceso-upload-%d-0123456789ABCDEF", past):     false,
	}
	for n := range names {
		if err := os.WriteFile(filepath.Join(folder, n), []byte("half"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	refuse := fmt.Sprintf("[LocalDS_0] up/a.iso.ceso-upload-%d-fedcba9876543210", past)
	var asked []string
	e.m.ConfirmRemove = func(_ context.Context, path string) error {
		asked = append(asked, path)
		if path == refuse {
			return dsfile.ErrKeep
		}
		return nil
	}
	if _, err := e.m.Upload(e.ctx, dsfile.Spec{Source: p, SourceSHA256: sum, Path: "[LocalDS_0] up/a.iso"}, nil); err != nil {
		t.Fatal(err)
	}
	sort.Strings(asked)
	if want := []string{fmt.Sprintf("[LocalDS_0] up/a.iso.ceso-upload-%d-0123456789abcdef", past), refuse}; !slices.Equal(asked, want) {
		t.Errorf("asked to remove %v, want %v", asked, want)
	}
	got := map[string]bool{}
	for _, f := range e.files("up") {
		got[f] = true
	}
	if !got["a.iso"] {
		t.Error("the upload is not in place")
	}
	for n, removed := range names {
		if n == path.Base(refuse) {
			removed = false
		}
		if got[n] == removed {
			t.Errorf("%s: removed = %v, want %v", n, !got[n], removed)
		}
	}
}

// TestCheck is the plan-time check: a good upload passes without touching
// the datastore, a file larger than the datastore's free space is refused.
func TestCheck(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p, _ := writeFile(t, 1000)
	if err := e.m.Check(e.ctx, dsfile.Spec{Source: p, Path: "[LocalDS_0] isos/a.iso"}); err != nil {
		t.Errorf("Check: %v", err)
	}
	big := filepath.Join(t.TempDir(), "big.iso")
	f, err := os.Create(big)
	if err == nil {
		err = f.Truncate(4 << 40) // sparse: 4 TiB on paper, nothing on disk
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Skipf("cannot make a sparse 4 TiB file here: %v", err)
	}
	err = e.m.Check(e.ctx, dsfile.Spec{Source: big, Path: "[LocalDS_0] isos/big.iso"})
	if fe, ok := dsfile.AsFieldError(err); !ok || fe.Summary != "Not Enough Space On Datastore" {
		t.Errorf("Check of a 4 TiB file: %v", err)
	}
	if got := e.files("isos"); len(got) != 0 {
		t.Errorf("Check wrote to the datastore: %v", got)
	}
}

// TestUploadVSAN: on a vSAN datastore the top-level folder of the target is
// a namespace object, which FileManager.MakeDirectory cannot make; the
// upload makes it through the DatastoreNamespaceManager.
func TestUploadVSAN(t *testing.T) {
	t.Parallel()
	h, err := simhost.Start(simhost.Options{Templates: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.Close)
	if err := h.MakeVSAN("LocalDS_0"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	c, err := esxi.Connect(ctx, esxi.Config{Host: h.URL.String(), Username: h.Username, Password: h.Password, Insecure: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	p, sum := writeFile(t, 10_000)
	f, err := dsfile.New(c).Upload(ctx, dsfile.Spec{Source: p, SourceSHA256: sum, Path: "[LocalDS_0] isos/a.iso"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if f.Size != 10_000 {
		t.Errorf("size %d", f.Size)
	}
}
