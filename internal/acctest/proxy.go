package acctest

import (
	"bytes"
	"context"
	"net"
	"net/url"
	"regexp"
	"sync"
	"testing"
	"time"
)

// Proxy is a TCP proxy between the provider and a simulated host on
// 127.0.0.1. It models network trouble: it can cut every connection (a
// partition), stall traffic, add latency, and do so at a chosen moment —
// after N requests, or when a given SOAP method is seen.
type Proxy struct {
	ln     net.Listener
	target string

	mu       sync.Mutex
	conns    map[net.Conn]bool
	cut      bool
	stall    bool
	latency  time.Duration
	requests int
	cutAfter int    // cut when the request count reaches this (0 = never)
	cutOn    string // cut when this SOAP method is seen ("" = never)
	seen     []string
	onCut    func()
}

var soapMethod = regexp.MustCompile(`<(?:[A-Za-z0-9]+:)?Body[^>]*>\s*<(?:[A-Za-z0-9]+:)?([A-Za-z0-9_]+)[\s>]`)

// StartProxy listens on 127.0.0.1 and forwards to target (host:port) until the test ends.
func StartProxy(t testing.TB, target string) *Proxy {
	t.Helper()
	ln, err := (&net.ListenConfig{}).Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &Proxy{ln: ln, target: target, conns: map[net.Conn]bool{}}
	go p.serve()
	t.Cleanup(p.Close)
	return p
}

// URL rewrites a host URL to go through the proxy.
func (p *Proxy) URL(u *url.URL) *url.URL {
	v := *u
	v.Host = p.ln.Addr().String()
	return &v
}

// Methods lists the SOAP methods seen so far, in order.
func (p *Proxy) Methods() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.seen...)
}

// Cut drops every connection and refuses new ones until Heal.
func (p *Proxy) Cut() {
	p.mu.Lock()
	p.cutLocked()
	p.mu.Unlock()
}

func (p *Proxy) cutLocked() {
	p.cut = true
	for c := range p.conns {
		_ = c.Close()
	}
	p.conns = map[net.Conn]bool{}
	if p.onCut != nil {
		go p.onCut()
	}
}

// Heal ends a cut or a stall.
func (p *Proxy) Heal() {
	p.mu.Lock()
	p.cut, p.stall, p.cutAfter, p.cutOn = false, false, 0, ""
	p.mu.Unlock()
}

// Stall keeps connections open but forwards nothing until Heal.
func (p *Proxy) Stall() {
	p.mu.Lock()
	p.stall = true
	p.mu.Unlock()
}

// SetLatency delays every chunk forwarded in either direction.
func (p *Proxy) SetLatency(d time.Duration) {
	p.mu.Lock()
	p.latency = d
	p.mu.Unlock()
}

// CutAfterRequests cuts when n more requests have been seen.
func (p *Proxy) CutAfterRequests(n int) {
	p.mu.Lock()
	p.cutAfter = p.requests + n
	p.mu.Unlock()
}

// CutOnMethod cuts as soon as a request for the SOAP method is seen; that
// request never reaches the host.
func (p *Proxy) CutOnMethod(method string) {
	p.mu.Lock()
	p.cutOn = method
	p.mu.Unlock()
}

// OnCut runs fn (in its own goroutine) whenever the proxy cuts.
func (p *Proxy) OnCut(fn func()) {
	p.mu.Lock()
	p.onCut = fn
	p.mu.Unlock()
}

// Close stops the proxy.
func (p *Proxy) Close() {
	_ = p.ln.Close()
	p.mu.Lock()
	for c := range p.conns {
		_ = c.Close()
	}
	p.mu.Unlock()
}

func (p *Proxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		if p.cut {
			p.mu.Unlock()
			_ = c.Close()
			continue
		}
		p.mu.Unlock()
		dctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		up, err := (&net.Dialer{}).DialContext(dctx, "tcp", p.target)
		cancel()
		if err != nil {
			_ = c.Close()
			continue
		}
		p.mu.Lock()
		p.conns[c], p.conns[up] = true, true
		p.mu.Unlock()
		go p.pipe(up, c, true)
		go p.pipe(c, up, false)
	}
}

// pipe copies src to dst; requests (client to host) are inspected.
func (p *Proxy) pipe(dst, src net.Conn, request bool) {
	defer func() { _ = dst.Close(); _ = src.Close() }()
	buf := make([]byte, 64<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			if !p.allow(buf[:n], request) {
				return
			}
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil { // EOF or a closed connection: either way the pipe is done
			return
		}
	}
}

// allow applies the proxy's mode to one chunk; false drops the connection.
func (p *Proxy) allow(chunk []byte, request bool) bool {
	for {
		p.mu.Lock()
		if p.cut {
			p.mu.Unlock()
			return false
		}
		if !p.stall {
			break
		}
		p.mu.Unlock()
		time.Sleep(10 * time.Millisecond)
	}
	if request {
		p.requests += bytes.Count(chunk, []byte("POST "))
		if m := soapMethod.FindSubmatch(chunk); m != nil {
			method := string(m[1])
			p.seen = append(p.seen, method)
			if p.cutOn != "" && method == p.cutOn {
				p.cutLocked()
				p.mu.Unlock()
				return false
			}
		}
		if p.cutAfter > 0 && p.requests >= p.cutAfter {
			p.cutLocked()
			p.mu.Unlock()
			return false
		}
	}
	lat := p.latency
	p.mu.Unlock()
	if lat > 0 {
		time.Sleep(lat)
	}
	return true
}
