package esxi

import (
	"context"
	"errors"
	"net/url"
	"sync"
	"sync/atomic"
	"time"
)

// PoolStats is a snapshot of the pool, read by metrics and tests.
type PoolStats struct {
	InUse             int
	Idle              int
	Created           int64
	Expired           int64
	HealthCheckFailed int64
	Relogins          int64
	LoginFailures     int64
}

// Pool hands out logged-in sessions, at most MaxSessions at a time. Callers
// beyond the bound wait (they never fail for want of a session). Sessions are
// created lazily, so a provider that makes one call logs in once; idle
// sessions above MinSessions are logged out after IdleTimeout, and the ones
// kept are kept alive with a cheap call.
type Pool struct {
	cfg    Config
	dialer *dialer
	slots  chan struct{}

	mu      sync.Mutex
	idle    []*Session // most recently used last
	inUse   int
	closed  bool
	authErr error // a rejected login: never retried, so the account is not locked

	nextID            atomic.Int64
	created           atomic.Int64
	expired           atomic.Int64
	healthCheckFailed atomic.Int64
	relogins          atomic.Int64
	loginFailures     atomic.Int64

	stop chan struct{}
	done chan struct{}
}

// ErrPoolClosed is returned by a pool after Close.
var ErrPoolClosed = errors.New("esxi: session pool is closed")

// NewPool validates cfg and returns a pool; it does not log in.
func NewPool(cfg Config, counter *CallCounter) (*Pool, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	u, _ := ParseHost(cfg.Host)
	thumb := ""
	if cfg.Thumbprint != "" {
		thumb, _ = NormalizeThumbprint(cfg.Thumbprint)
	}
	if counter == nil {
		counter = NewCallCounter(cfg.OnCall)
	}
	p := &Pool{
		cfg:   cfg,
		slots: make(chan struct{}, cfg.MaxSessions),
		stop:  make(chan struct{}),
		done:  make(chan struct{}),
	}
	p.dialer = &dialer{
		url: u, user: url.UserPassword(cfg.Username, cfg.Password),
		insecure: cfg.Insecure, thumb: thumb, timeout: cfg.APITimeout, counter: counter,
		onEvent: p.event,
		onLogin: func(err error) {
			if err != nil {
				p.loginFailures.Add(1)
				if KindOf(err) == KindInvalidLogin {
					p.mu.Lock()
					p.authErr = Wrap("log in as "+cfg.Username, err)
					p.mu.Unlock()
				}
			}
		},
	}
	go p.janitor()
	return p, nil
}

func (p *Pool) event(name string) {
	switch name {
	case "relogin":
		p.relogins.Add(1)
	case "expired":
		p.expired.Add(1)
	case "health_check_failed":
		p.healthCheckFailed.Add(1)
	case "created":
		p.created.Add(1)
	}
	if p.cfg.OnPoolEvent != nil {
		p.cfg.OnPoolEvent(name)
	}
}

// Counter returns the pool's SOAP call counter.
func (p *Pool) Counter() *CallCounter { return p.dialer.counter }

// Config returns the pool's effective configuration (defaults applied).
func (p *Pool) Config() Config { return p.cfg }

// WithSession runs fn with a session from the pool and returns it afterwards.
func (p *Pool) WithSession(ctx context.Context, fn func(ctx context.Context, s *Session) error) error {
	s, err := p.Acquire(ctx)
	if err != nil {
		return err
	}
	defer p.Release(s)
	return fn(ctx, s)
}

// Acquire waits for a free slot and returns a healthy session.
func (p *Pool) Acquire(ctx context.Context) (*Session, error) {
	if err := p.usable(); err != nil {
		return nil, err
	}
	select {
	case p.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, Wrap("wait for a free session", ctx.Err())
	}
	s, err := p.take(ctx)
	if err != nil {
		<-p.slots
		return nil, err
	}
	return s, nil
}

func (p *Pool) usable() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return ErrPoolClosed
	}
	return p.authErr
}

// take reuses the most recently used idle session, checking it first when it
// has been idle a while, or logs in a new one.
func (p *Pool) take(ctx context.Context) (*Session, error) {
	for {
		p.mu.Lock()
		if p.closed {
			// A caller that waited for a slot while the pool closed must not
			// log in a session the provider no longer wants.
			p.mu.Unlock()
			return nil, ErrPoolClosed
		}
		if p.authErr != nil {
			err := p.authErr
			p.mu.Unlock()
			return nil, err
		}
		n := len(p.idle)
		if n == 0 {
			p.inUse++
			p.mu.Unlock()
			s, err := p.dialer.dial(ctx, p.nextID.Add(1))
			if err != nil {
				p.mu.Lock()
				p.inUse--
				p.mu.Unlock()
				return nil, err
			}
			p.event("created")
			return s, nil
		}
		s := p.idle[n-1]
		p.idle = p.idle[:n-1]
		p.inUse++
		p.mu.Unlock()

		// A session idle past the idle timeout is one the janitor has not
		// reached yet (or one kept for min_sessions whose keep-alive came
		// late): check it rather than log in again, since the host keeps
		// sessions far longer than ceso's idle timeout.
		idleFor := time.Since(s.lastUsed)
		if (idleFor > p.cfg.HealthCheckAfter || idleFor > p.cfg.IdleTimeout) && !s.healthy(ctx) {
			p.event("health_check_failed")
			p.discard(s)
			continue
		}
		return s, nil
	}
}

// discard logs a session out and forgets it; the caller held it as in use.
func (p *Pool) discard(s *Session) {
	p.mu.Lock()
	p.inUse--
	p.mu.Unlock()
	s.logout(context.Background())
}

// Release returns a session to the pool.
func (p *Pool) Release(s *Session) {
	s.lastUsed = time.Now()
	p.mu.Lock()
	p.inUse--
	closed := p.closed
	if !closed {
		p.idle = append(p.idle, s)
	}
	p.mu.Unlock()
	<-p.slots
	if closed {
		s.logout(context.Background())
	}
}

// Stats returns a snapshot of the pool's counters.
func (p *Pool) Stats() PoolStats {
	p.mu.Lock()
	defer p.mu.Unlock()
	return PoolStats{
		InUse: p.inUse, Idle: len(p.idle),
		Created: p.created.Load(), Expired: p.expired.Load(),
		HealthCheckFailed: p.healthCheckFailed.Load(), Relogins: p.relogins.Load(),
		LoginFailures: p.loginFailures.Load(),
	}
}

// janitor expires idle sessions above the minimum and keeps the rest alive.
func (p *Pool) janitor() {
	defer close(p.done)
	interval := min(p.cfg.IdleTimeout, p.cfg.KeepAlive) / 2
	interval = max(interval, 10*time.Millisecond)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-p.stop:
			return
		case <-t.C:
			p.sweep()
		}
	}
}

func (p *Pool) sweep() {
	now := time.Now()
	var expired, stale []*Session
	p.mu.Lock()
	keep := p.idle[:0]
	for i, s := range p.idle {
		// idle is ordered oldest first; only sessions beyond the minimum expire.
		aboveMin := len(p.idle)-i > p.cfg.MinSessions
		switch {
		case aboveMin && now.Sub(s.lastUsed) > p.cfg.IdleTimeout:
			expired = append(expired, s)
		case !aboveMin && now.Sub(s.lastUsed) > p.cfg.KeepAlive && p.trySlot():
			// The keep-alive holds a slot like any caller: otherwise a
			// caller arriving meanwhile finds no idle session, logs in
			// another and the pool exceeds MaxSessions. Without a free slot
			// the session stays idle for a caller to take, or for the next
			// sweep to keep alive.
			stale = append(stale, s)
		default:
			keep = append(keep, s)
		}
	}
	p.idle = keep
	p.inUse += len(stale) // held while the keep-alive call runs
	p.mu.Unlock()

	for _, s := range expired {
		p.event("expired")
		s.logout(context.Background())
	}
	for _, s := range stale {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		ok := s.healthy(ctx)
		cancel()
		if !ok {
			p.event("health_check_failed")
			p.discard(s)
			<-p.slots
			continue
		}
		p.Release(s)
	}
}

// trySlot takes a slot if one is free without waiting.
func (p *Pool) trySlot() bool {
	select {
	case p.slots <- struct{}{}:
		return true
	default:
		return false
	}
}

// Close logs out every idle session; sessions in use are logged out when
// released. It is safe to call more than once.
func (p *Pool) Close(ctx context.Context) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	idle := p.idle
	p.idle = nil
	p.mu.Unlock()
	close(p.stop)
	<-p.done
	var wg sync.WaitGroup
	for _, s := range idle {
		wg.Add(1)
		go func() { defer wg.Done(); s.logout(ctx) }()
	}
	wg.Wait()
}
