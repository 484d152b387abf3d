package image

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"

	"github.com/esxi-commander/terraform-provider-ceso/internal/source"
)

// One checksum pins every byte deployed. For an OVA, source_sha256 is the
// SHA-256 of the whole archive. An .ovf source is several files (the
// descriptor and the disks beside it), so there source_sha256 is the
// SHA-256 of the package's manifest (the .mf beside the descriptor, what
// `ovftool --manifest` writes), and the manifest must hold a digest of the
// descriptor and of every file the descriptor references: the descriptor
// is checked against it before anything reaches the host, each disk while
// it streams. A descriptor alone cannot pin its disks, so an .ovf with
// source_sha256 and no manifest, or with a manifest that leaves a file out,
// is refused.

// pinnable lists the manifest algorithms a pin accepts (what ovftool and
// the OVF specification write).
var pinnable = map[string]bool{"SHA256": true, "SHA512": true, "SHA1": true}

// pin reads an .ovf source's manifest, checks it against want and checks
// that it covers the descriptor and every referenced file. It does nothing
// for an OVA (its checksum covers the archive) or without want.
func (p *pkg) pin(ctx context.Context, want string) error {
	if p.ova || want == "" {
		return nil
	}
	mfName := strings.TrimSuffix(p.descName, path.Ext(p.descName)) + ".mf"
	raw, err := p.readOVFManifest(ctx, mfName)
	if err != nil {
		return err
	}
	if raw == nil {
		return fieldErr("source_sha256", "Manifest Required",
			"source_sha256 pins an .ovf package through its manifest, %s beside the descriptor, which lists the SHA-256 of the descriptor and of every disk; %s has none, so its disks would not be pinned. %s",
			mfName, p.descName, manifestHowTo(p, mfName))
	}
	sum := sha256.Sum256(raw)
	if got := hex.EncodeToString(sum[:]); !strings.EqualFold(got, want) {
		detail := fmt.Sprintf("the SHA-256 of %s (the package's manifest, which source_sha256 pins for an .ovf source) is %s, not %s: the package changed or was corrupted on the way. Nothing was deployed.",
			mfName, got, strings.ToLower(want))
		if strings.EqualFold(p.hashing.Sum(), want) {
			detail = fmt.Sprintf("source_sha256 is the SHA-256 of the descriptor %s; for an .ovf source it is the SHA-256 of the manifest %s, which in turn pins the descriptor and every disk. Set source_sha256 to the output of `sha256sum %s` (%s) after checking the manifest against its publisher.",
				p.descName, mfName, mfName, got)
		}
		return fieldErr("source_sha256", "Checksum Mismatch", "%s", detail)
	}
	mf, err := readManifest(bytes.NewReader(raw), mfName)
	if err != nil {
		return err
	}
	if missing := p.uncovered(mf); len(missing) > 0 {
		return fieldErr("source_sha256", "Manifest Incomplete",
			"%s has no SHA256, SHA512 or SHA1 entry for %s, so source_sha256 would not pin every file deployed. %s",
			mfName, strings.Join(missing, ", "), manifestHowTo(p, mfName))
	}
	if err := mf.checkDescriptor(p.descName, p.desc, p.describe()); err != nil {
		return err
	}
	p.mf, p.pinned = mf, true
	return nil
}

// uncovered lists the files (the descriptor and every reference) without a
// usable manifest entry.
func (p *pkg) uncovered(mf manifest) []string {
	names := []string{p.descName}
	for _, f := range p.env.References {
		names = append(names, path.Base(f.Href))
	}
	var out []string
	for _, n := range names {
		if c, ok := mf[n]; !ok || !pinnable[strings.ToUpper(c.Algorithm)] {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

// manifestHowTo says how to make a manifest for this package.
func manifestHowTo(p *pkg, mfName string) string {
	files := []string{p.descName}
	for _, f := range p.env.References {
		files = append(files, path.Base(f.Href))
	}
	return fmt.Sprintf("Make one with `ovftool --manifest` (or, in the package's folder: `for f in %s; do echo \"SHA256($f)= $(sha256sum < $f | cut -d' ' -f1)\"; done > %s`), check it against the publisher's checksums, and set source_sha256 to `sha256sum %s`; or deploy the package as an OVA, whose checksum covers every byte.",
		strings.Join(files, " "), mfName, mfName)
}

// readOVFManifest reads the manifest beside an .ovf source; nil when there
// is none.
func (p *pkg) readOVFManifest(ctx context.Context, name string) ([]byte, error) {
	loc, err := source.Resolve(p.loc, name)
	if err != nil {
		return nil, nil //nolint:nilerr // an unresolvable name means no manifest.
	}
	rc, _, err := p.opener.Open(ctx, loc)
	var se *source.Error
	if errors.As(err, &se) && (se.Summary == "Source File Not Found" || se.Summary == "Source URL Refused") {
		return nil, nil
	}
	if err != nil {
		return nil, sourceErr(err)
	}
	defer func() { _ = rc.Close() }()
	b, err := io.ReadAll(io.LimitReader(rc, maxDescriptor+1))
	if err != nil {
		return nil, fieldErr("source", "Cannot Read OVF Manifest", "%s: %v", name, err)
	}
	if len(b) > maxDescriptor {
		return nil, fieldErr("source", "OVF Manifest Too Large", "%s is over %d MiB; this is not an OVF manifest.", name, maxDescriptor>>20)
	}
	return b, nil
}
