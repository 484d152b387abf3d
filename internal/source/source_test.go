package source_test

import (
	"context"
	"errors"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/esxi-commander/terraform-provider-ceso/internal/source"
)

func TestResolveAndBase(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ loc, href, want, base string }{
		{"/images/ubuntu.ovf", "disk1.vmdk", "/images/disk1.vmdk", "ubuntu.ovf"},
		{"https://u:p@cloud.example/r/ubuntu.ovf?x=1", "disk1.vmdk", "https://u:p@cloud.example/r/disk1.vmdk", "ubuntu.ovf"},
		{"http://h/a/b.ovf", "sub/d.vmdk", "http://h/a/sub/d.vmdk", "b.ovf"},
	} {
		got, err := source.Resolve(tc.loc, tc.href)
		if err != nil || filepath.ToSlash(got) != tc.want {
			t.Errorf("Resolve(%q, %q) = %q, %v; want %q", tc.loc, tc.href, got, err, tc.want)
		}
		if b := source.Base(tc.loc); b != tc.base {
			t.Errorf("Base(%q) = %q, want %q", tc.loc, b, tc.base)
		}
	}
	if _, err := source.Resolve("/images/a.ovf", "../../etc/passwd"); err == nil {
		t.Error("a reference out of the descriptor's folder was accepted")
	}
}

func TestHashingVerify(t *testing.T) {
	t.Parallel()
	h := source.NewHashing(strings.NewReader("ceso"))
	if _, err := io.Copy(io.Discard, h); err != nil {
		t.Fatal(err)
	}
	const sum = "0b0f1ab2b8d6a7b2e0a26aec5b3b3d1d6e4f0e7b6d9a43f4b0a2dc6c0d0b1e1a" // not ceso's
	if h.N() != 4 {
		t.Errorf("N = %d", h.N())
	}
	if err := h.Verify("x", strings.ToUpper(h.Sum())); err != nil {
		t.Errorf("upper-case hex of the right sum: %v", err)
	}
	err := h.Verify("https://user:secret@host/x.ova", sum)
	var ce *source.ChecksumError
	if !errors.As(err, &ce) || ce.Got != h.Sum() || strings.Contains(err.Error(), "secret") {
		t.Errorf("Verify mismatch = %v", err)
	}
	if err := h.Verify("x", ""); err != nil {
		t.Errorf("no checksum asked: %v", err)
	}
}

func TestOpenErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, tc := range []struct{ loc, summary string }{
		{"", "Missing Source"},
		{filepath.Join(t.TempDir(), "gone.iso"), "Source File Not Found"},
		{t.TempDir(), "Source Is A Folder"},
		{"http://127.0.0.1:1/x", "Source URL Unreachable"},
	} {
		_, _, err := source.Opener{}.Open(ctx, tc.loc)
		var se *source.Error
		if !errors.As(err, &se) || se.Summary != tc.summary {
			t.Errorf("Open(%q) = %v, want %s", tc.loc, err, tc.summary)
		}
	}
}
