package image_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/esxi-commander/terraform-provider-ceso/internal/image"
	"github.com/esxi-commander/terraform-provider-ceso/internal/image/ovatest"
	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
)

func sha256File(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Clean(p))
	if err != nil {
		t.Fatal(err)
	}
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// TestPinOVFOverHTTP: for an .ovf served over HTTP, source_sha256 pins the
// manifest beside it, which pins the descriptor and the disk; each way the
// pin can fail is an error on source_sha256 (or on source for a disk that
// does not match the pinned manifest), at Check where it can be seen there,
// and nothing is left on the host.
func TestPinOVFOverHTTP(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simhost.Options{})
	dir := t.TempDir()
	for _, s := range []ovatest.Spec{{Name: "good", Manifest: "SHA256"}, {Name: "sha512", Manifest: "SHA256"}, {Name: "bare"}, {Name: "partial", Manifest: "SHA256"}, {Name: "swapped", Manifest: "SHA256"}} {
		if _, err := ovatest.WriteOVF(dir, s); err != nil {
			t.Fatal(err)
		}
	}
	// A manifest that names only the descriptor.
	if err := os.WriteFile(filepath.Join(dir, "partial.mf"), fmt.Appendf(nil, "SHA256(partial.ovf)= %s\n", sha256File(t, filepath.Join(dir, "partial.ovf"))), 0o600); err != nil {
		t.Fatal(err)
	}
	// A manifest that pins with an algorithm ceso does not take for a pin.
	if err := os.WriteFile(filepath.Join(dir, "sha512.mf"), []byte(strings.ReplaceAll(readString(t, filepath.Join(dir, "sha512.mf")), "SHA256(sha512-disk1.vmdk)", "MD5(sha512-disk1.vmdk)")), 0o600); err != nil {
		t.Fatal(err)
	}
	swappedMF := sha256File(t, filepath.Join(dir, "swapped.mf"))
	disk := filepath.Join(dir, "swapped-disk1.vmdk")
	b, err := os.ReadFile(disk)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 0xff
	if err := os.WriteFile(disk, b, 0o600); err != nil {
		t.Fatal(err)
	}
	base := serve(t, dir, 0)
	mf := func(n string) string { return sha256File(t, filepath.Join(dir, n+".mf")) }
	for _, tc := range []struct {
		name, pin, field, summary string
		atCheck                   bool
	}{
		{"good", mf("good"), "", "", false},
		{"bare", sha256File(t, filepath.Join(dir, "bare.ovf")), "source_sha256", "Manifest Required", true},
		{"partial", mf("partial"), "source_sha256", "Manifest Incomplete", true},
		{"sha512", mf("sha512"), "source_sha256", "Manifest Incomplete", true},
		{"good", strings.Repeat("0", 64), "source_sha256", "Checksum Mismatch", true},
		{"swapped", swappedMF, "source", "Manifest Checksum Mismatch", false},
	} {
		spec := image.Spec{Name: fmt.Sprintf("pin-%s-%s", tc.name, tc.pin[:6]), Source: base + "/" + tc.name + ".ovf", SourceSHA256: tc.pin}
		err := e.m.Check(e.ctx, spec)
		if tc.atCheck != (err != nil) {
			t.Errorf("%s: Check = %v, want an error: %v", tc.name, err, tc.atCheck)
		}
		_, err = e.m.Import(e.ctx, spec, nil)
		if tc.summary == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
			}
			continue
		}
		if fe, ok := image.AsFieldError(err); !ok || fe.Field != tc.field || fe.Summary != tc.summary {
			t.Errorf("%s: %v, want %s on %s", tc.name, err, tc.summary, tc.field)
		}
		if slices.Contains(e.vmNames(), spec.Name) {
			t.Errorf("%s: left a VM on the host", tc.name)
		}
	}
}

func readString(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Clean(p))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
