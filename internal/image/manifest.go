package image

import (
	"bytes"
	"context"
	"crypto/sha1" //nolint:gosec // G505: OVF manifests name SHA1; it is checked, not trusted alone.
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"hash"
	"io"
	"path"
	"strings"

	"github.com/vmware/govmomi/vapi/library"
)

// manifest is the package's .mf file: a digest per file name. The OVF
// specification lets a package carry one; when it does, ceso checks every
// file it uploads against it while the bytes stream; for an .ovf source
// source_sha256 pins the manifest itself (pin.go).
type manifest map[string]*library.Checksum

func readManifest(r io.Reader, name string) (manifest, error) {
	m, err := library.ReadManifest(io.LimitReader(r, maxDescriptor))
	if err != nil {
		return nil, fieldErr("source", "Invalid OVF Manifest", "%s: %v", name, err)
	}
	return m, nil
}

// digest returns a hash for the manifest's algorithm name; false for one
// ceso does not know (that file is then not checked).
func digest(alg string) (hash.Hash, bool) {
	switch strings.ToUpper(alg) {
	case "SHA1":
		return sha1.New(), true //nolint:gosec // G401: the algorithm the manifest names.
	case "SHA256":
		return sha256.New(), true
	case "SHA512":
		return sha512.New(), true
	}
	return nil, false
}

// verifier hashes one file while it streams and compares the sum with the
// manifest's afterwards.
type verifier struct {
	name string
	want *library.Checksum
	h    hash.Hash
}

// wrap returns r hashed for name's manifest entry, and the verifier to call
// once r is read; nil when the manifest has no usable entry.
func (m manifest) wrap(name string, r io.Reader) (io.Reader, *verifier) {
	if m == nil {
		return r, nil
	}
	want, ok := m[name]
	if !ok {
		return r, nil
	}
	h, ok := digest(want.Algorithm)
	if !ok {
		return r, nil
	}
	return io.TeeReader(r, h), &verifier{name: name, want: want, h: h}
}

func (v *verifier) check(pkgName string) error {
	if v == nil {
		return nil
	}
	if got := hex.EncodeToString(v.h.Sum(nil)); !strings.EqualFold(got, v.want.Checksum) {
		return fieldErr("source", "Manifest Checksum Mismatch",
			"the %s of %s in %s is %s, but the package's manifest says %s: the file is corrupt or was changed. Nothing was kept on the host.",
			strings.ToUpper(v.want.Algorithm), v.name, pkgName, got, strings.ToLower(v.want.Checksum))
	}
	return nil
}

// checkDescriptor compares the descriptor in memory with the manifest.
func (m manifest) checkDescriptor(name string, desc []byte, pkgName string) error {
	r, v := m.wrap(name, bytes.NewReader(desc))
	if _, err := io.Copy(io.Discard, r); err != nil {
		return err
	}
	return v.check(pkgName)
}

// ovfManifest reads the .mf beside an .ovf source; a package without one
// has nothing to check.
func (p *pkg) ovfManifest(ctx context.Context) (manifest, error) {
	name := strings.TrimSuffix(p.descName, path.Ext(p.descName)) + ".mf"
	raw, err := p.readOVFManifest(ctx, name)
	if err != nil || raw == nil {
		return nil, err
	}
	return readManifest(bytes.NewReader(raw), name)
}
