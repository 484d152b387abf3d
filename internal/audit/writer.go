package audit

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
)

// maxLineBytes bounds how far back Write looks for the previous line and
// how long a line Verify accepts; a record is a few hundred bytes.
const maxLineBytes = 16 << 20

// FileError is a problem with the audit file itself (permissions, type,
// open); the provider reports it against the audit_file attribute.
type FileError struct {
	Path    string
	Problem string
	Err     error
}

func (e *FileError) Error() string { return fmt.Sprintf("audit file %s: %s", e.Path, e.Problem) }
func (e *FileError) Unwrap() error { return e.Err }

// Writer appends chained records to one audit file.
type Writer struct {
	mu   sync.Mutex
	f    *os.File
	path string
	red  *Redactor
	pid  int
	// lastHash is the hash of the file's last line when the file was
	// lastEnd bytes long. If the size differs under the lock, another
	// process appended and the last line is read again.
	lastHash string
	lastEnd  int64
	closed   bool
}

// Open opens (creating with mode 0600) an audit file for appending. An
// existing file that group or others can write is refused: anyone who can
// write it can rewrite the chain from the first record on.
//
// The file is opened read-write (with O_APPEND, so every write still lands
// at the end) because the previous line must be re-read under the lock.
func Open(path string, red *Redactor) (*Writer, error) {
	return OpenWith(path, red, Options{})
}

// Options are the system policy's demands on the audit file.
type Options struct {
	// AppendOnly requires the append-only inode attribute (chattr +a,
	// Linux). The file may then be group-writable, so that the users the
	// provider runs as can append, since the attribute stops anyone from
	// rewriting or truncating it.
	AppendOnly bool
}

// OpenWith is Open with the policy's options.
func OpenWith(path string, red *Redactor, opts Options) (*Writer, error) {
	if red == nil {
		red = NewRedactor()
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_APPEND|os.O_CREATE, 0o600) //nolint:gosec // G304: the operator's configured audit file.
	if err != nil {
		return nil, &FileError{Path: path, Problem: "cannot be opened for appending: " + err.Error(), Err: err}
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, &FileError{Path: path, Problem: err.Error(), Err: err}
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, &FileError{Path: path, Problem: "is not a regular file"}
	}
	if opts.AppendOnly {
		ok, err := appendOnly(f)
		switch {
		case err != nil:
			f.Close()
			return nil, &FileError{Path: path, Problem: "its append-only attribute cannot be read: " + err.Error(), Err: err}
		case !ok:
			f.Close()
			return nil, &FileError{Path: path, Problem: "does not have the append-only attribute the policy requires; as root run: chattr +a " + path}
		}
	}
	writable := os.FileMode(0o022)
	if opts.AppendOnly {
		writable = 0o002 // group members may append; nobody can rewrite
	}
	if perm := fi.Mode().Perm(); perm&writable != 0 {
		f.Close()
		return nil, &FileError{Path: path, Problem: fmt.Sprintf("is writable by group or others (mode %04o); run chmod 600 on it", perm)}
	}
	return &Writer{f: f, path: path, red: red, pid: os.Getpid(), lastEnd: -1}, nil
}

// Path is the file being written.
func (w *Writer) Path() string { return w.path }

// Redactor is the redactor applied to every record.
func (w *Writer) Redactor() *Redactor { return w.red }

// Write redacts rec, chains it to the file's last line, appends it and
// syncs the file to disk before returning, so an intent record is durable
// before the host is touched. rec is not modified.
func (w *Writer) Write(rec Record) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return &FileError{Path: w.path, Problem: "is closed", Err: os.ErrClosed}
	}
	if err := lockFile(w.f); err != nil {
		return &FileError{Path: w.path, Problem: "cannot be locked: " + err.Error(), Err: err}
	}
	// An unlock that fails leaves nothing to do: closing the file (at the
	// latest when the process exits) releases the lock.
	defer func() { _ = unlockFile(w.f) }()

	fi, err := w.f.Stat()
	if err != nil {
		return &FileError{Path: w.path, Problem: err.Error(), Err: err}
	}
	size := fi.Size()
	prev, torn := w.lastHash, false
	if size != w.lastEnd {
		if prev, torn, err = lastLineHash(w.f, size); err != nil {
			return &FileError{Path: w.path, Problem: "cannot read the last record: " + err.Error(), Err: err}
		}
	}
	line, err := w.encode(rec, prev)
	if err != nil {
		return err
	}
	buf := make([]byte, 0, len(line)+2)
	if torn {
		// The last line has no newline (a crash mid-write). Start ours on a
		// fresh line; Verify will report the torn one.
		buf = append(buf, '\n')
	}
	buf = append(append(buf, line...), '\n')
	// One write call with O_APPEND: the record lands whole at the end.
	if _, err := w.f.Write(buf); err != nil {
		w.lastEnd = -1
		return &FileError{Path: w.path, Problem: "write failed: " + err.Error(), Err: err}
	}
	if err := w.f.Sync(); err != nil {
		w.lastEnd = -1
		return &FileError{Path: w.path, Problem: "sync failed: " + err.Error(), Err: err}
	}
	w.lastHash = hashLine(line)
	w.lastEnd = size + int64(len(buf))
	return nil
}

func (w *Writer) encode(rec Record, prev string) ([]byte, error) {
	// RunID, ResourceType, Object and Action identify the record and are
	// never redacted: a secret that happened to equal a VM name must not
	// hide which VM was changed.
	r := w.red
	rec.Error = r.String(rec.Error)
	rec.Reason = r.String(rec.Reason)
	rec.Details = r.Map(rec.Details)
	rec.Time = rec.Time.UTC()
	if rec.PID == 0 {
		rec.PID = w.pid
	}
	rec.Prev = prev
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(rec); err != nil {
		return nil, fmt.Errorf("audit record cannot be encoded: %w", err)
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// Close closes the file; later writes fail.
func (w *Writer) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return nil
	}
	w.closed = true
	return w.f.Close()
}

func hashLine(line []byte) string {
	sum := sha256.Sum256(line)
	return hex.EncodeToString(sum[:])
}

// lastLineHash returns the hash of the last line of the first size bytes of
// f (Genesis for an empty file), and whether that line lacks its newline.
func lastLineHash(f io.ReaderAt, size int64) (string, bool, error) {
	if size == 0 {
		return Genesis, false, nil
	}
	var last [1]byte
	if _, err := f.ReadAt(last[:], size-1); err != nil {
		return "", false, err
	}
	end, torn := size-1, false
	if last[0] != '\n' {
		end, torn = size, true
	}
	const chunk = 4096
	var tail []byte
	pos := end
	for pos > 0 {
		n := int64(chunk)
		if pos < n {
			n = pos
		}
		buf := make([]byte, n)
		if _, err := f.ReadAt(buf, pos-n); err != nil {
			return "", false, err
		}
		if i := bytes.LastIndexByte(buf, '\n'); i >= 0 {
			tail = append(buf[i+1:], tail...)
			return hashLine(tail), torn, nil
		}
		tail = append(buf, tail...)
		pos -= n
		if int64(len(tail)) > maxLineBytes {
			return "", false, errors.New("last line is longer than 16 MiB")
		}
	}
	return hashLine(tail), torn, nil
}
