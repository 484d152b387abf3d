package esxi

import (
	"io"
	"net/http"
)

// countingTransport counts the bytes of every response body a session
// reads, so benchmarks can report what a read or a wait costs on the wire,
// not only how many calls it makes.
type countingTransport struct {
	rt http.RoundTripper
	c  *CallCounter
}

func (t countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	res, err := t.rt.RoundTrip(r)
	if res != nil && res.Body != nil {
		res.Body = &countingBody{ReadCloser: res.Body, c: t.c}
	}
	return res, err
}

type countingBody struct {
	io.ReadCloser
	c *CallCounter
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.c.bytes.Add(int64(n))
	return n, err
}

// BytesRead is the number of response bytes read so far.
func (c *CallCounter) BytesRead() int64 { return c.bytes.Load() }
