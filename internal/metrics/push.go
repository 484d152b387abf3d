package metrics

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus/push"
)

// DefaultJob is the Pushgateway job label when none is configured.
const DefaultJob = "ceso"

// DefaultPushTimeout bounds one push, so a hung Pushgateway delays an apply
// by seconds at most.
const DefaultPushTimeout = 5 * time.Second

// Config configures New.
type Config struct {
	// URL of the Pushgateway; empty means no metrics at all.
	URL string
	// Job is the Pushgateway job label (default "ceso").
	Job string
	// RunID groups this process's metrics (label run_id), so parallel
	// runs do not overwrite each other.
	RunID string
	// Timeout of one push (default DefaultPushTimeout).
	Timeout time.Duration
	// Client sends the pushes (default: a client with no proxy surprises
	// beyond http.DefaultTransport).
	Client *http.Client
	// Logger receives push failures; nil discards.
	Logger *slog.Logger
}

// URLError is a Pushgateway URL that cannot be used.
type URLError struct {
	URL    string
	Reason string
}

func (e *URLError) Error() string {
	return fmt.Sprintf("pushgateway URL %q: %s", e.URL, e.Reason)
}

// PushError is a failed push. URL has any password removed.
type PushError struct {
	URL string
	Err error
}

func (e *PushError) Error() string {
	return fmt.Sprintf("push to pushgateway %s failed: %v", e.URL, e.Err)
}

func (e *PushError) Unwrap() error { return e.Err }

type pusher struct {
	mu      sync.Mutex
	p       *push.Pusher
	url     string // without password, for messages
	timeout time.Duration
	log     *slog.Logger
}

// New returns the metrics of one provider process, pushing to cfg.URL. It
// returns nil (a valid, no-op *Metrics) when cfg.URL is empty.
func New(cfg Config) (*Metrics, error) {
	if cfg.URL == "" {
		return nil, nil
	}
	u, err := url.Parse(cfg.URL)
	if err != nil {
		return nil, &URLError{URL: redactURL(cfg.URL), Reason: "not a URL"}
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, &URLError{URL: u.Redacted(), Reason: "scheme must be http or https"}
	}
	if u.Host == "" {
		return nil, &URLError{URL: u.Redacted(), Reason: "has no host"}
	}
	if cfg.Job == "" {
		cfg.Job = DefaultJob
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultPushTimeout
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: cfg.Timeout}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	// Credentials go in a header, not in the URL that ends up in messages.
	user := u.User
	u.User = nil
	m := newCollectors()
	p := push.New(u.String(), cfg.Job).Gatherer(m.reg).Client(cfg.Client)
	if cfg.RunID != "" {
		p = p.Grouping("run_id", cfg.RunID)
	}
	if user != nil {
		pw, _ := user.Password()
		p = p.BasicAuth(user.Username(), pw)
	}
	m.pusher = &pusher{p: p, url: u.String(), timeout: cfg.Timeout, log: cfg.Logger}
	return m, nil
}

// Push sends the whole registry to the Pushgateway, replacing this run's
// previous push (HTTP PUT). It logs and returns a *PushError on failure and
// never panics; the caller decides whether to audit it. Pushes are
// serialized: parallel resources finishing together push one after another.
func (m *Metrics) Push(ctx context.Context) (err error) {
	if m == nil || m.pusher == nil {
		return nil
	}
	p := m.pusher
	p.mu.Lock()
	defer p.mu.Unlock()
	defer func() {
		// client_golang and a custom transport are trusted, but a push
		// is telemetry and must never take an apply down with it.
		if r := recover(); r != nil {
			err = &PushError{URL: p.url, Err: fmt.Errorf("panic: %v", r)}
		}
		if err != nil {
			p.log.WarnContext(ctx, "metrics push failed", "pushgateway", p.url, "error", err.Error())
		}
	}()
	ctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	if perr := p.p.PushContext(ctx); perr != nil {
		return &PushError{URL: p.url, Err: perr}
	}
	return nil
}

// URL is the Pushgateway URL without credentials; empty on a nil *Metrics.
func (m *Metrics) URL() string {
	if m == nil || m.pusher == nil {
		return ""
	}
	return m.pusher.url
}

func redactURL(s string) string {
	if i := strings.Index(s, "@"); i >= 0 {
		if j := strings.Index(s, "://"); j >= 0 && j < i {
			return s[:j+3] + "[REDACTED]" + s[i:]
		}
	}
	return s
}
