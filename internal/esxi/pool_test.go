package esxi_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vmware/govmomi"
	"github.com/vmware/govmomi/property"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/esxi"
	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
)

// admin is the harness's own session on a simulated host: it counts and
// terminates the sessions the pool under test holds there.
type admin struct {
	t   testing.TB
	c   *govmomi.Client
	key string
}

// newAdmin logs in the harness's session and clears the host's method log,
// so the pool's Login calls are the only ones counted afterwards.
func newAdmin(t testing.TB, h *simhost.Host) *admin {
	t.Helper()
	ctx := context.Background()
	c, err := h.Client(ctx)
	if err != nil {
		t.Fatalf("admin login: %v", err)
	}
	us, err := c.SessionManager.UserSession(ctx)
	if err != nil || us == nil {
		t.Fatalf("admin session: %v", err)
	}
	t.Cleanup(func() { _ = c.Logout(context.Background()) })
	h.ResetMethods()
	return &admin{t: t, c: c, key: us.Key}
}

// sessions returns the keys of the host's live sessions, the admin's excluded.
func (a *admin) sessions() []string {
	a.t.Helper()
	var sm mo.SessionManager
	err := property.DefaultCollector(a.c.Client).RetrieveOne(context.Background(),
		*a.c.ServiceContent.SessionManager, []string{"sessionList"}, &sm)
	if err != nil {
		a.t.Fatalf("read session list: %v", err)
	}
	var keys []string
	for _, s := range sm.SessionList {
		if s.Key != a.key {
			keys = append(keys, s.Key)
		}
	}
	return keys
}

// terminateOthers ends every session on the host but the admin's, as a host
// restart or an administrator would.
func (a *admin) terminateOthers() {
	a.t.Helper()
	keys := a.sessions()
	if len(keys) == 0 {
		a.t.Fatal("no session to terminate")
	}
	_, err := methods.TerminateSession(context.Background(), a.c.Client, &types.TerminateSession{
		This: *a.c.ServiceContent.SessionManager, SessionId: keys})
	if err != nil {
		a.t.Fatalf("terminate sessions: %v", err)
	}
}

// newPool returns a pool on cfg that is closed when the test ends.
func newPool(t testing.TB, cfg esxi.Config) *esxi.Pool {
	t.Helper()
	p, err := esxi.NewPool(cfg, nil)
	if err != nil {
		t.Fatalf("new pool: %v", err)
	}
	t.Cleanup(func() { p.Close(context.Background()) })
	return p
}

// ping makes one real request that needs a logged-in session (the simulator
// serves property reads without one, CurrentTime it does not).
func ping(ctx context.Context, s *esxi.Session) error {
	_, err := methods.GetCurrentTime(ctx, s.Client)
	return err
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t testing.TB, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %s: %s", within, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestPoolReusesOneSessionForSequentialCalls(t *testing.T) {
	t.Parallel()
	h := startHost(t, simhost.Options{})
	h.ResetMethods()
	p := newPool(t, configFor(h))
	ctx := context.Background()
	for i := range 10 {
		if err := p.WithSession(ctx, ping); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	if st := p.Stats(); st.Created != 1 || st.InUse != 0 || st.Idle != 1 {
		t.Errorf("stats = %+v, want 1 created, 0 in use, 1 idle", st)
	}
	if n := h.CountMethod("Login"); n != 1 {
		t.Errorf("host served %d Login calls for 10 sequential calls, want 1", n)
	}
}

func TestPoolNeverExceedsMaxSessions(t *testing.T) {
	t.Parallel()
	h := startHost(t, simhost.Options{})
	h.ResetMethods()
	cfg := configFor(h)
	cfg.MaxSessions = 3
	p := newPool(t, cfg)
	ctx := context.Background()

	var inUse, maxInUse atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- p.WithSession(ctx, func(ctx context.Context, s *esxi.Session) error {
				n := inUse.Add(1)
				defer inUse.Add(-1)
				for {
					m := maxInUse.Load()
					if n <= m || maxInUse.CompareAndSwap(m, n) {
						break
					}
				}
				if st := p.Stats(); st.InUse > 3 {
					return errors.New("pool reports more than 3 sessions in use")
				}
				time.Sleep(5 * time.Millisecond)
				return ping(ctx, s)
			})
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if m := maxInUse.Load(); m > 3 || m < 2 {
		t.Errorf("at most %d sessions were in use at once, want 2..3 (bound 3)", m)
	}
	st := p.Stats()
	if st.Created > 3 || st.InUse != 0 {
		t.Errorf("stats = %+v, want at most 3 created and none in use", st)
	}
	if n := h.CountMethod("Login"); n > 3 {
		t.Errorf("host served %d Login calls, want at most 3", n)
	}
}

func TestPoolExpiresIdleSessionsAboveMin(t *testing.T) {
	t.Parallel()
	h := startHost(t, simhost.Options{})
	a := newAdmin(t, h)
	cfg := configFor(h)
	// MinSessions 0 means "default" (2) in Config, so the pool's floor is
	// set explicitly to 1 here and three sessions are opened above it.
	cfg.MinSessions, cfg.MaxSessions = 1, 3
	cfg.IdleTimeout = 50 * time.Millisecond
	p := newPool(t, cfg)
	holdAtOnce(t, p, 3)
	if st := p.Stats(); st.Created != 3 || st.Idle != 3 {
		t.Fatalf("stats = %+v, want 3 created and idle", st)
	}
	if n := len(a.sessions()); n != 3 {
		t.Fatalf("host has %d pool sessions, want 3", n)
	}
	waitFor(t, 5*time.Second, "idle sessions above the minimum were not expired", func() bool {
		return p.Stats().Expired == 2
	})
	if st := p.Stats(); st.Idle+st.InUse != 1 || st.Created != 3 { // InUse: a keep-alive call
		t.Errorf("stats = %+v, want 1 session kept", st)
	}
	waitFor(t, 5*time.Second, "expired sessions are still logged in on the host", func() bool {
		return len(a.sessions()) == 1
	})
	if n := h.CountMethod("Logout"); n != 2 {
		t.Errorf("host served %d Logout calls, want 2", n)
	}
}

func TestPoolKeepsMinSessionsPastIdleTimeout(t *testing.T) {
	t.Parallel()
	h := startHost(t, simhost.Options{})
	a := newAdmin(t, h)
	cfg := configFor(h)
	cfg.MinSessions = 1
	cfg.IdleTimeout = 100 * time.Millisecond
	p := newPool(t, cfg)
	ctx := context.Background()
	if err := p.WithSession(ctx, ping); err != nil {
		t.Fatal(err)
	}
	time.Sleep(4 * cfg.IdleTimeout)
	// The janitor may be holding it for a keep-alive call right now.
	if st := p.Stats(); st.Expired != 0 || st.Idle+st.InUse != 1 || st.Created != 1 {
		t.Errorf("stats = %+v, want the one session kept", st)
	}
	if n := len(a.sessions()); n != 1 {
		t.Errorf("host has %d pool sessions, want 1", n)
	}
	if n := h.CountMethod("Logout"); n != 0 {
		t.Errorf("host served %d Logout calls, want 0", n)
	}
	// The kept session stays usable: the keep-alive refreshed it on the host.
	if err := p.WithSession(ctx, ping); err != nil {
		t.Fatal(err)
	}
}

func TestPoolKeepAliveRespectsMaxSessions(t *testing.T) {
	t.Parallel()
	h := startHost(t, simhost.Options{})
	// A slow keep-alive call (the janitor reads the current session) leaves
	// a window in which a caller finds no idle session.
	h.Model.DelayConfig.MethodDelay = map[string]int{"RetrievePropertiesEx": 40}
	h.ResetMethods() // its lock orders the map write before the server reads it
	a := newAdmin(t, h)
	cfg := configFor(h)
	cfg.MinSessions, cfg.MaxSessions = 1, 1
	cfg.IdleTimeout = 60 * time.Millisecond // keep-alive after 30ms idle
	cfg.HealthCheckAfter = time.Hour
	p := newPool(t, cfg)
	ctx := context.Background()
	for i := range 10 {
		if err := p.WithSession(ctx, ping); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
		time.Sleep(40 * time.Millisecond) // past the keep-alive, short of the idle timeout
	}
	if st := p.Stats(); st.Created != 1 {
		t.Errorf("stats = %+v: %d sessions created with max_sessions 1", st, st.Created)
	}
	if n := h.CountMethod("Login"); n != 1 {
		t.Errorf("host served %d Login calls with max_sessions 1, want 1", n)
	}
	if n := len(a.sessions()); n > 1 {
		t.Errorf("host has %d pool sessions with max_sessions 1", n)
	}
}

func TestPoolHealthCheckReplacesDeadSession(t *testing.T) {
	t.Parallel()
	h := startHost(t, simhost.Options{})
	a := newAdmin(t, h)
	cfg := configFor(h)
	cfg.HealthCheckAfter = time.Millisecond
	p := newPool(t, cfg)
	ctx := context.Background()
	if err := p.WithSession(ctx, ping); err != nil {
		t.Fatal(err)
	}
	a.terminateOthers()
	time.Sleep(5 * time.Millisecond)

	if err := p.WithSession(ctx, ping); err != nil {
		t.Fatalf("call after the session was terminated: %v", err)
	}
	st := p.Stats()
	if st.HealthCheckFailed != 1 || st.Created != 2 || st.Relogins != 0 {
		t.Errorf("stats = %+v, want 1 failed health check, 2 sessions created, no re-login", st)
	}
	if n := h.CountMethod("Login"); n != 2 {
		t.Errorf("host served %d Login calls, want 2", n)
	}
}

func TestPoolLogsInAgainWhenHostDropsSession(t *testing.T) {
	t.Parallel()
	h := startHost(t, simhost.Options{})
	a := newAdmin(t, h)
	cfg := configFor(h)
	cfg.HealthCheckAfter = time.Hour
	p := newPool(t, cfg)
	ctx := context.Background()
	if err := p.WithSession(ctx, ping); err != nil {
		t.Fatal(err)
	}
	a.terminateOthers()

	if err := p.WithSession(ctx, ping); err != nil {
		t.Fatalf("call after the session was terminated: %v", err)
	}
	st := p.Stats()
	if st.Relogins != 1 || st.Created != 1 || st.HealthCheckFailed != 0 {
		t.Errorf("stats = %+v, want 1 re-login on the same pooled session", st)
	}
	if n := h.CountMethod("Login"); n != 2 {
		t.Errorf("host served %d Login calls, want 2", n)
	}
	if n := len(a.sessions()); n != 1 {
		t.Errorf("host has %d pool sessions, want 1", n)
	}
}

func TestWrongPasswordIsNotRetried(t *testing.T) {
	t.Parallel()
	h := startHost(t, simhost.Options{})
	cfg := configFor(h)
	cfg.Password = "not-the-password"
	ctx := context.Background()

	t.Run("connect", func(t *testing.T) {
		h.ResetMethods()
		c, err := esxi.Connect(ctx, cfg)
		if err == nil {
			c.Close(ctx)
			t.Fatal("connect with a wrong password succeeded")
		}
		fe, ok := esxi.AsFieldError(err)
		if !ok || fe.Field != "password" {
			t.Fatalf("error = %v (%T), want a FieldError on password", err, err)
		}
		if !strings.Contains(fe.Summary, "Login refused") || !strings.Contains(fe.Detail, "Check username and password") ||
			!strings.Contains(fe.Detail, "not retry") {
			t.Errorf("error does not say the login was refused and not retried: %q / %q", fe.Summary, fe.Detail)
		}
		if strings.Contains(err.Error(), cfg.Password) {
			t.Errorf("error shows the password: %v", err)
		}
		if n := h.CountMethod("Login"); n != 1 {
			t.Errorf("host served %d Login calls, want 1", n)
		}
	})

	t.Run("pool", func(t *testing.T) {
		h.ResetMethods()
		p := newPool(t, cfg)
		for i := range 5 {
			start := time.Now()
			_, err := p.Acquire(ctx)
			if esxi.KindOf(err) != esxi.KindInvalidLogin {
				t.Fatalf("acquire %d: error %v, want kind %s", i, err, esxi.KindInvalidLogin)
			}
			if i > 0 && time.Since(start) > 50*time.Millisecond {
				t.Errorf("acquire %d took %s, want an immediate failure", i, time.Since(start))
			}
		}
		err := p.WithSession(ctx, ping)
		if esxi.KindOf(err) != esxi.KindInvalidLogin {
			t.Errorf("WithSession: %v, want kind %s", err, esxi.KindInvalidLogin)
		}
		if n := h.CountMethod("Login"); n != 1 {
			t.Errorf("host served %d Login calls for 6 attempts, want 1", n)
		}
		if st := p.Stats(); st.LoginFailures != 1 || st.InUse != 0 || st.Created != 0 {
			t.Errorf("stats = %+v, want 1 login failure and nothing held", st)
		}
	})
}

func TestPoolLeaksNoSessions(t *testing.T) {
	t.Parallel()
	h := startHost(t, simhost.Options{})
	a := newAdmin(t, h)
	cfg := configFor(h)
	cfg.MaxSessions = 5
	p, err := esxi.NewPool(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var wg sync.WaitGroup
	var failed atomic.Int64
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				if err := p.WithSession(ctx, ping); err != nil {
					failed.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	if n := failed.Load(); n != 0 {
		t.Fatalf("%d of 1000 calls failed", n)
	}
	if n := p.Counter().Methods()["CurrentTime"]; n != 1000 {
		t.Errorf("counted %d CurrentTime calls, want 1000", n)
	}
	st := p.Stats()
	if st.Created > 5 || st.InUse != 0 || int64(st.Idle) != st.Created {
		t.Errorf("stats = %+v, want at most 5 created, all idle", st)
	}
	if n := len(a.sessions()); int64(n) != st.Created {
		t.Errorf("host has %d pool sessions, pool created %d", n, st.Created)
	}

	p.Close(ctx)
	if n := len(a.sessions()); n != 0 {
		t.Errorf("host still has %d pool sessions after Close", n)
	}
	if st := p.Stats(); st.Idle != 0 || st.InUse != 0 {
		t.Errorf("stats after Close = %+v", st)
	}
	if err := p.WithSession(ctx, ping); !errors.Is(err, esxi.ErrPoolClosed) {
		t.Errorf("call after Close: %v, want ErrPoolClosed", err)
	}
}

func TestPoolCloseLogsOutSessionsInUse(t *testing.T) {
	t.Parallel()
	h := startHost(t, simhost.Options{})
	a := newAdmin(t, h)
	p, err := esxi.NewPool(configFor(h), nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	s, err := p.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	p.Close(ctx)
	if n := len(a.sessions()); n != 1 {
		t.Fatalf("host has %d pool sessions while one is in use, want 1", n)
	}
	p.Release(s)
	if n := len(a.sessions()); n != 0 {
		t.Errorf("host still has %d pool sessions after the last Release", n)
	}
}

// holdAtOnce makes the pool open n sessions by holding n at the same time.
func holdAtOnce(t testing.TB, p *esxi.Pool, n int) {
	t.Helper()
	ctx := context.Background()
	held := make([]*esxi.Session, 0, n)
	for range n {
		s, err := p.Acquire(ctx)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, s)
	}
	for _, s := range held {
		p.Release(s)
	}
}

func TestPoolCloseFailsWaitingCallers(t *testing.T) {
	t.Parallel()
	h := startHost(t, simhost.Options{})
	a := newAdmin(t, h)
	cfg := configFor(h)
	cfg.MaxSessions = 1
	p, err := esxi.NewPool(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	held, err := p.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	waiter := make(chan error, 1)
	go func() { waiter <- p.WithSession(ctx, ping) }()
	time.Sleep(20 * time.Millisecond) // the waiter is blocked on the one slot
	p.Close(ctx)
	p.Release(held)
	if err := <-waiter; !errors.Is(err, esxi.ErrPoolClosed) {
		t.Errorf("caller waiting when the pool closed: %v, want ErrPoolClosed", err)
	}
	if n := h.CountMethod("Login"); n != 1 {
		t.Errorf("host served %d Login calls, want 1 (none after Close)", n)
	}
	if n := len(a.sessions()); n != 0 {
		t.Errorf("host has %d pool sessions after Close", n)
	}
}
