package esxi

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vmware/govmomi/fault"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// CallCounter counts SOAP round trips by method. One counter is shared by
// every session of a pool, so tests and benchmarks see the provider's total.
type CallCounter struct {
	mu      sync.Mutex
	methods map[string]int64
	total   atomic.Int64
	bytes   atomic.Int64 // response bytes read (bytes.go)
	observe func(method string)
}

// NewCallCounter returns a counter that also reports each call to observe (may be nil).
func NewCallCounter(observe func(method string)) *CallCounter {
	return &CallCounter{methods: map[string]int64{}, observe: observe}
}

func (c *CallCounter) add(method string) {
	c.total.Add(1)
	c.mu.Lock()
	c.methods[method]++
	c.mu.Unlock()
	if c.observe != nil {
		c.observe(method)
	}
}

// Total is the number of round trips so far.
func (c *CallCounter) Total() int64 { return c.total.Load() }

// Fixed is the number of round trips so far other than long polls
// (WaitForUpdatesEx). A task wait makes one long poll, or more when the task
// has not ended by the time the host answers the first, so their number
// depends on timing and load; every other call depends only on the code.
// The round-trip regression gate (scripts/bench-check.sh) compares this.
func (c *CallCounter) Fixed() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	var n int64
	for m, v := range c.methods {
		if !longPoll[m] {
			n += v
		}
	}
	return n
}

// Methods returns a copy of the per-method counts.
func (c *CallCounter) Methods() map[string]int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]int64, len(c.methods))
	for k, v := range c.methods {
		out[k] = v
	}
	return out
}

// String lists the counts by method, for test failure messages.
func (c *CallCounter) String() string {
	m := c.Methods()
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s=%d", k, m[k]))
	}
	return strings.Join(parts, " ")
}

// methodName turns a request body type (*methods.CreateVM_TaskBody) into the
// SOAP method name (CreateVM_Task).
func methodName(req soap.HasFault) string {
	t := reflect.TypeOf(req)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return strings.TrimSuffix(t.Name(), "Body")
}

// transport sits between a session's vim25.Client and its soap.Client. It
// counts calls, bounds each call by the API timeout, and logs in again once
// when the host says the session is gone.
type transport struct {
	next    soap.RoundTripper
	counter *CallCounter
	timeout time.Duration
	relogin func(ctx context.Context) error
	onEvent func(string)
}

// methods that must not trigger a re-login loop.
var noRelogin = map[string]bool{"Login": true, "Logout": true, "RetrieveServiceContent": true, "SessionIsActive": true}

// longPoll methods wait on the host by design; the API timeout does not apply.
var longPoll = map[string]bool{"WaitForUpdatesEx": true, "WaitForUpdates": true}

func (t *transport) RoundTrip(ctx context.Context, req, res soap.HasFault) error {
	method := methodName(req)
	err := t.call(ctx, method, req, res)
	expired := (err != nil && fault.Is(err, &types.NotAuthenticated{})) || (err == nil && notAuthenticatedIn(res))
	if expired && t.relogin != nil && !noRelogin[method] {
		if t.onEvent != nil {
			t.onEvent("relogin")
		}
		if lerr := t.relogin(ctx); lerr != nil {
			return Wrap("log in again after the session expired", lerr)
		}
		// The failed call left its fault in res, and decoding the retry's
		// answer into it only sets the fields the answer has: without a reset
		// the soap client reports the old NotAuthenticated again.
		resetBody(res)
		err = t.call(ctx, method, req, res)
	}
	return err
}

// notAuthenticatedIn reports a property read that the host answered, but
// without the session: it reads without one and reports NotAuthenticated
// for every property (in MissingSet) instead of failing the call.
func notAuthenticatedIn(res soap.HasFault) bool {
	var objs []types.ObjectContent
	switch r := res.(type) {
	case *methods.RetrievePropertiesExBody:
		if r.Res != nil && r.Res.Returnval != nil {
			objs = r.Res.Returnval.Objects
		}
	case *methods.ContinueRetrievePropertiesExBody:
		if r.Res != nil {
			objs = r.Res.Returnval.Objects
		}
	case *methods.RetrievePropertiesBody:
		if r.Res != nil {
			objs = r.Res.Returnval
		}
	}
	for _, o := range objs {
		for _, m := range o.MissingSet {
			if _, ok := m.Fault.Fault.(*types.NotAuthenticated); ok {
				return true
			}
		}
	}
	return false
}

// resetBody zeroes a response body (a pointer to a methods.*Body struct) so
// it can be decoded into again.
func resetBody(res soap.HasFault) {
	v := reflect.ValueOf(res)
	if v.Kind() == reflect.Pointer && !v.IsNil() && v.Elem().CanSet() {
		v.Elem().SetZero()
	}
}

func (t *transport) call(ctx context.Context, method string, req, res soap.HasFault) error {
	t.counter.add(method)
	timeout, held := t.timeout, time.Duration(0)
	if longPoll[method] {
		// A long poll waits on the host by design. One the host answers
		// within MaxWaitSeconds is bounded by that plus api_timeout; one
		// without a bound is not bounded here.
		held = maxWait(req)
		timeout += held
		if held == 0 {
			timeout = 0
		}
	}
	if t.timeout <= 0 || timeout <= 0 {
		return t.next.RoundTrip(ctx, req, res)
	}
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	err := t.next.RoundTrip(cctx, req, res)
	if err != nil && errors.Is(cctx.Err(), context.DeadlineExceeded) && ctx.Err() == nil {
		why := fmt.Errorf("no answer within api_timeout (%s): %w", t.timeout, context.DeadlineExceeded)
		if held > 0 {
			why = fmt.Errorf("no answer within api_timeout (%s) after the %s the host may hold this call: %w", t.timeout, held, context.DeadlineExceeded)
		}
		return &Error{Op: method, Kind: KindTimeout, Hint: hints[KindTimeout], Err: why}
	}
	return err
}

// maxWait is how long the host may hold a WaitForUpdatesEx (its
// MaxWaitSeconds); 0 when the call does not say.
func maxWait(req soap.HasFault) time.Duration {
	w, ok := req.(*methods.WaitForUpdatesExBody)
	if !ok || w.Req == nil || w.Req.Options == nil || w.Req.Options.MaxWaitSeconds == nil {
		return 0
	}
	return time.Duration(*w.Req.Options.MaxWaitSeconds) * time.Second
}
