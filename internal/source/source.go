// Package source opens what ceso uploads to a host (an OVA, an OVF and its
// disks, an ISO) from a local path or an http(s) URL as a stream, and
// verifies a SHA-256 checksum while the bytes pass through. Nothing is
// buffered whole or written to a temporary file: a multi-gigabyte image
// costs the provider a few buffers of memory.
package source

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync/atomic"
)

// IsURL reports whether loc is an http(s) URL rather than a local path.
func IsURL(loc string) bool {
	l := strings.ToLower(loc)
	return strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://")
}

// Base is the file name at the end of a path or URL, without any query.
func Base(loc string) string {
	if IsURL(loc) {
		if u, err := url.Parse(loc); err == nil {
			return path.Base(u.Path)
		}
	}
	return filepath.Base(loc)
}

// Resolve returns the location of href relative to the file at loc (the
// disks an OVF descriptor names sit next to it).
func Resolve(loc, href string) (string, error) {
	if IsURL(loc) {
		base, err := url.Parse(loc)
		if err != nil {
			return "", err
		}
		ref, err := url.Parse(href)
		if err != nil {
			return "", err
		}
		return base.ResolveReference(ref).String(), nil
	}
	if filepath.IsAbs(href) || strings.Contains(href, "..") {
		return "", fmt.Errorf("file reference %q leaves the descriptor's folder", href)
	}
	return filepath.Join(filepath.Dir(loc), href), nil
}

// Error says why a source cannot be read; the glue reports it on the
// attribute that names the source.
type Error struct {
	Location string
	Summary  string // short, Title Case
	Detail   string // what is wrong and what to do
	Err      error
}

func (e *Error) Error() string { return e.Summary + ": " + e.Detail }
func (e *Error) Unwrap() error { return e.Err }

// Opener opens sources. The zero value uses http.DefaultClient for URLs.
type Opener struct {
	HTTP *http.Client
}

// Open starts reading loc. size is the length in bytes, or -1 when an HTTP
// server does not say. The caller closes the stream.
func (o Opener) Open(ctx context.Context, loc string) (rc io.ReadCloser, size int64, err error) {
	if loc == "" {
		return nil, 0, &Error{Summary: "Missing Source", Detail: "Set source to a local path or an http(s) URL."}
	}
	if IsURL(loc) {
		return o.openURL(ctx, loc)
	}
	f, err := os.Open(filepath.Clean(loc))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, 0, &Error{Location: loc, Summary: "Source File Not Found", Err: err,
				Detail: fmt.Sprintf("%s does not exist on the machine that runs Terraform. Check the path (a relative path is relative to the working directory, e.g. use \"${path.module}/image.ova\").", loc)}
		}
		return nil, 0, &Error{Location: loc, Summary: "Cannot Read Source File", Err: err, Detail: err.Error()}
	}
	st, err := f.Stat()
	if err != nil {
		_ = f.Close()
		return nil, 0, &Error{Location: loc, Summary: "Cannot Read Source File", Err: err, Detail: err.Error()}
	}
	if st.IsDir() {
		_ = f.Close()
		return nil, 0, &Error{Location: loc, Summary: "Source Is A Folder", Detail: loc + " is a folder; name the file to upload."}
	}
	return f, st.Size(), nil
}

func (o Opener) openURL(ctx context.Context, loc string) (io.ReadCloser, int64, error) {
	c := o.HTTP
	if c == nil {
		c = http.DefaultClient
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, loc, nil)
	if err != nil {
		return nil, 0, &Error{Location: loc, Summary: "Invalid Source URL", Err: err, Detail: err.Error()}
	}
	resp, err := c.Do(req) //nolint:gosec // G107: downloading the URL the configuration names is the point.
	if err != nil {
		return nil, 0, &Error{Location: loc, Summary: "Source URL Unreachable", Err: err,
			Detail: fmt.Sprintf("GET %s failed: %v. Check the URL and that the machine running Terraform can reach it.", redactURL(loc), err)}
	}
	if resp.StatusCode != http.StatusOK {
		_ = resp.Body.Close()
		return nil, 0, &Error{Location: loc, Summary: "Source URL Refused",
			Detail: fmt.Sprintf("GET %s answered %s; ceso needs 200 OK. Check the URL.", redactURL(loc), resp.Status)}
	}
	return resp.Body, resp.ContentLength, nil
}

// redactURL drops credentials from a URL before it goes into a message.
func redactURL(loc string) string {
	u, err := url.Parse(loc)
	if err != nil {
		return loc
	}
	return u.Redacted()
}

// Hashing counts and hashes (SHA-256) everything read through it.
type Hashing struct {
	r io.Reader
	h hash.Hash
	n atomic.Int64 // read by progress reports while the upload runs
}

// NewHashing wraps r.
func NewHashing(r io.Reader) *Hashing { return &Hashing{r: r, h: sha256.New()} }

func (h *Hashing) Read(p []byte) (int, error) {
	n, err := h.r.Read(p)
	if n > 0 {
		_, _ = h.h.Write(p[:n])
		h.n.Add(int64(n))
	}
	return n, err
}

// N is the number of bytes read so far.
func (h *Hashing) N() int64 { return h.n.Load() }

// Sum is the hex SHA-256 of what was read so far.
func (h *Hashing) Sum() string { return hex.EncodeToString(h.h.Sum(nil)) }

// ChecksumError says the source's bytes do not match source_sha256.
type ChecksumError struct {
	Location string
	Want     string
	Got      string
}

func (e *ChecksumError) Error() string {
	return fmt.Sprintf("the SHA-256 of %s is %s, not %s as source_sha256 says; the file changed or was corrupted on the way. "+
		"Nothing was kept on the host. Check the file (sha256sum) and its publisher's checksum list.", redactURL(e.Location), e.Got, e.Want)
}

// Verify compares the hash of what h has read with want (hex, any case);
// an empty want verifies nothing.
func (h *Hashing) Verify(loc, want string) error {
	if want == "" {
		return nil
	}
	if got := h.Sum(); !strings.EqualFold(got, want) {
		return &ChecksumError{Location: loc, Want: strings.ToLower(want), Got: got}
	}
	return nil
}
