package image

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/vmware/govmomi/ovf"
	"github.com/vmware/govmomi/ovf/importer"

	"github.com/esxi-commander/terraform-provider-ceso/internal/source"
)

// maxDescriptor bounds the descriptor kept in memory; real ones are a few
// tens of KiB.
const maxDescriptor = 16 << 20

// pkg is an open OVA or OVF source. An OVA is read once, front to back:
// the descriptor first (the OVF specification puts it first in the tar),
// then each disk straight into its upload. All bytes pass hashing, so the
// checksum covers the whole file, tar headers and padding included.
type pkg struct {
	loc    string
	opener source.Opener
	ova    bool

	descName string
	desc     []byte
	env      *ovf.Envelope

	rc      io.ReadCloser
	hashing *source.Hashing
	tr      *tar.Reader
	mf      manifest // the package's .mf, once read; nil without one
	// pinned says source_sha256 pinned the .mf of an .ovf source (pin.go):
	// every file must then have a manifest entry.
	pinned bool
}

// openPackage opens loc and reads its descriptor; for an OVA the stream
// stays open, positioned after the descriptor, for upload.
func openPackage(ctx context.Context, opener source.Opener, loc string) (*pkg, error) {
	p := &pkg{loc: loc, opener: opener}
	switch ext := strings.ToLower(path.Ext(source.Base(loc))); ext {
	case ".ova":
		p.ova = true
	case ".ovf":
	default:
		return nil, fieldErr("source", "Unsupported Source Type",
			"%s does not end in .ova or .ovf; ceso_image deploys OVA and OVF packages. Upload other files (ISO, VMDK) with ceso_datastore_file.", source.Base(loc))
	}
	rc, _, err := opener.Open(ctx, loc)
	if err != nil {
		return nil, sourceErr(err)
	}
	p.rc = rc
	p.hashing = source.NewHashing(rc)
	if p.ova {
		err = p.readOVADescriptor()
	} else {
		p.descName = source.Base(loc)
		p.desc, err = readLimited(p.hashing)
	}
	if err == nil {
		p.env, err = importer.ReadEnvelope(p.desc)
		if err != nil {
			err = fieldErr("source", "Invalid OVF Descriptor", "%s: %v", p.descName, err)
		}
	}
	if err == nil && p.env.VirtualSystem == nil {
		err = unsupportedPackage(p.descName, p.env)
	}
	if err != nil {
		p.Close()
		return nil, err
	}
	return p, nil
}

func (p *pkg) readOVADescriptor() error {
	p.tr = tar.NewReader(p.hashing)
	h, err := p.tr.Next()
	if err != nil {
		return fieldErr("source", "Invalid OVA", "%s is not a tar archive (%v); an OVA is a tar with the OVF descriptor first.", source.Base(p.loc), err)
	}
	if !strings.EqualFold(path.Ext(h.Name), ".ovf") {
		return fieldErr("source", "Invalid OVA",
			"the first entry of %s is %q, not the OVF descriptor; the OVF specification puts the descriptor first so the package can be streamed.", source.Base(p.loc), h.Name)
	}
	p.descName = path.Base(h.Name)
	p.desc, err = readLimited(p.tr)
	return err
}

func readLimited(r io.Reader) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxDescriptor+1))
	if err != nil {
		return nil, fieldErr("source", "Cannot Read OVF Descriptor", "%v", err)
	}
	if len(b) > maxDescriptor {
		return nil, fieldErr("source", "OVF Descriptor Too Large", "the descriptor is over %d MiB; this is not an OVF descriptor.", maxDescriptor>>20)
	}
	return b, nil
}

// Close stops reading the source.
func (p *pkg) Close() {
	if p.rc != nil {
		_ = p.rc.Close()
		p.rc = nil
	}
}

// put uploads one file of the package.
type putFunc func(name string, r io.Reader, size int64) error

// stream hands every file named in want (base names) to fn, in the order
// the package holds them, and reports any that are missing.
func (p *pkg) stream(ctx context.Context, want map[string]bool, fn putFunc) error {
	done := map[string]bool{}
	if p.ova {
		for {
			if err := ctx.Err(); err != nil {
				return err
			}
			h, err := p.tr.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return fieldErr("source", "Invalid OVA", "reading %s: %v", source.Base(p.loc), err)
			}
			name := path.Base(h.Name)
			if strings.EqualFold(path.Ext(name), ".mf") && p.mf == nil {
				// The specification puts the manifest right after the
				// descriptor, before the files it lists.
				if p.mf, err = readManifest(p.tr, name); err != nil {
					return err
				}
				if err := p.mf.checkDescriptor(p.descName, p.desc, p.describe()); err != nil {
					return err
				}
				continue
			}
			if !want[name] || done[name] {
				continue // a certificate or a file the host does not ask for
			}
			if err := p.put(name, p.tr, h.Size, fn); err != nil {
				return err
			}
			done[name] = true
		}
		// The rest of the archive (end blocks, padding) belongs to the checksum.
		if _, err := io.Copy(io.Discard, p.hashing); err != nil {
			return fieldErr("source", "Cannot Read Source", "reading the end of %s: %v", source.Base(p.loc), err)
		}
	} else {
		if !p.pinned {
			var err error
			if p.mf, err = p.ovfManifest(ctx); err != nil {
				return err
			}
			if err := p.mf.checkDescriptor(p.descName, p.desc, p.describe()); err != nil {
				return err
			}
		}
		for name := range want {
			if err := p.streamFile(ctx, name, fn); err != nil {
				return err
			}
			done[name] = true
		}
	}
	for name := range want {
		if !done[name] {
			return fieldErr("source", "Incomplete Package", "%s names the file %s, which the package does not hold.", p.descName, name)
		}
	}
	return nil
}

// streamFile uploads one file next to an OVF descriptor.
func (p *pkg) streamFile(ctx context.Context, name string, fn putFunc) error {
	href := name
	if p.env != nil {
		for _, f := range p.env.References {
			if path.Base(f.Href) == name {
				href = f.Href
			}
		}
	}
	loc, err := source.Resolve(p.loc, href)
	if err != nil {
		return fieldErr("source", "Invalid File Reference", "%s: %v", p.descName, err)
	}
	rc, size, err := p.opener.Open(ctx, loc)
	if err != nil {
		return sourceErr(err)
	}
	defer func() { _ = rc.Close() }()
	if size < 0 {
		return fieldErr("source", "Unknown File Size", "the server sent %s without a Content-Length; the host needs the size before the upload starts.", loc)
	}
	return p.put(name, rc, size, fn)
}

// put uploads one file through fn, checked against the manifest if the
// package has one.
func (p *pkg) put(name string, r io.Reader, size int64, fn putFunc) error {
	r, v := p.mf.wrap(name, r)
	if v == nil && p.pinned {
		return fieldErr("source_sha256", "Manifest Incomplete", "the pinned manifest of %s has no usable entry for %s.", p.describe(), name)
	}
	if err := fn(name, r, size); err != nil {
		return err
	}
	return v.check(p.describe())
}

// verify checks source_sha256 once everything was read: over the whole
// OVA; for an .ovf source pin checked the manifest before the upload and
// the manifest checked every file.
func (p *pkg) verify(want string) error {
	if !p.ova {
		if want != "" && !p.pinned {
			return fieldErr("source_sha256", "Manifest Required", "%s was not checked against a pinned manifest.", p.describe())
		}
		return nil
	}
	if err := p.hashing.Verify(p.loc, want); err != nil {
		return &FieldError{Field: "source_sha256", Summary: "Checksum Mismatch", Detail: err.Error(), Err: err}
	}
	return nil
}

// sourceErr puts a source error on the source attribute.
func sourceErr(err error) error {
	var se *source.Error
	if errors.As(err, &se) {
		return &FieldError{Field: "source", Summary: se.Summary, Detail: se.Detail, Err: err}
	}
	return &FieldError{Field: "source", Summary: "Cannot Read Source", Detail: err.Error(), Err: err}
}

// describe is a short name for messages.
func (p *pkg) describe() string { return fmt.Sprintf("%s (%s)", source.Base(p.loc), p.descName) }

// unsupportedPackage explains a descriptor that holds no single VM: a
// multi-VM vApp (VirtualSystemCollection) or nothing at all.
func unsupportedPackage(descName string, e *ovf.Envelope) error {
	c := e.VirtualSystemCollection
	if c == nil {
		return fieldErr("source", "Unsupported OVF Package",
			"%s holds no VirtualSystem; ceso_image deploys a package that describes one VM.", descName)
	}
	names := make([]string, 0, len(c.VirtualSystem))
	for _, vs := range c.VirtualSystem {
		n := vs.ID
		if vs.Name != nil && *vs.Name != "" {
			n = *vs.Name
		}
		names = append(names, n)
	}
	return fieldErr("source", "Multi-VM vApp Not Supported",
		"%s describes a vApp (VirtualSystemCollection %q) of %d VMs: %s. ceso_image deploys one VM per package: export or download each VM as a package of its own (ovftool can convert a single VM) and deploy each with its own ceso_image.",
		descName, c.ID, len(names), quoteList(names))
}
