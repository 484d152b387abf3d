package guard

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/esxi-commander/terraform-provider-ceso/internal/audit"
	"github.com/esxi-commander/terraform-provider-ceso/internal/metrics"
	"github.com/esxi-commander/terraform-provider-ceso/internal/policy"
)

// Op is one guarded write.
type Op struct {
	// ResourceType is the Terraform type, e.g. "ceso_vm".
	ResourceType string
	// Object is the name a grant's scope is matched against: the VM name
	// the configuration asks for (for a backup, the name of its VM).
	Object string
	// Unscoped says Object names nothing on a host (a rendered cloud-init
	// payload's hostname): a grant's scope is not matched against it, and
	// the mode and the host alone decide. Object still goes to the audit.
	Unscoped bool
	// ID is the object's identity on the host: the UUID of an existing
	// object, empty for a new one (its name then stands for it). A
	// plan-bound grant lists it.
	ID string
	// StateName is the name the Terraform state gives an existing object.
	// When Current finds another name on the host the guard refuses: the
	// state does not describe what would be changed.
	StateName string
	// Current, when set, looks the object up by ID on the host inside the
	// guarded call and returns its name there ("" when it is gone). The
	// grant must cover that name as well as Object, so a rename combined
	// with a destructive change needs both in scope.
	Current func(ctx context.Context) (string, error)
	Action  policy.Action
	// Effects are further destructive effects of the same call (a disk's
	// files deleted, a forced power-off): each is decided, audited and
	// counted like Action.
	Effects []policy.Action
	// Details go into the intent record, redacted (ids, sizes, changed
	// attributes). Never needed for the decision.
	Details map[string]any
}

// Warning is something the provider shows the user: the configuration was
// accepted, but a part of it does not apply.
type Warning struct {
	Attribute string
	Summary   string
	Detail    string
}

// Plan-time decision label for metrics: a refusal at plan is a warning.
const decisionWarned = "warned"

// Guard is the chokepoint. It is safe for concurrent use by the parallel
// resource operations Terraform runs.
type Guard struct {
	mode     policy.Mode
	policy   *policy.Policy
	grant    *policy.Grant
	audit    *audit.Writer
	red      *audit.Redactor
	metrics  *metrics.Metrics
	runID    string
	now      func() time.Time
	log      *slog.Logger
	warnings []Warning

	pushInterval time.Duration
	pushMu       sync.Mutex
	lastPush     time.Time
	pushFailed   sync.Once
	pushing      bool           // a push after a write is running
	pushAgain    bool           // a write ended during it: push once more
	pushTrail    sync.WaitGroup // the trailing pushes Close waits for
	pushTimer    *time.Timer    // the push a write inside the interval scheduled

	mu       sync.Mutex
	hosts    []string // identities of the connected host
	auditErr error    // first outcome record that could not be written
	closed   bool
}

// New resolves the configuration against the policy file and environment
// and opens the audit file. Every error is a *ConfigError. The audit file
// is opened first, so that every later refusal of the configuration (a
// mode above the ceiling, an untrusted grant) is recorded in it.
func New(cfg Config) (*Guard, error) {
	getenv := cfg.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	g := &Guard{now: cfg.Now, log: cfg.Logger, pushInterval: cfg.Pushgateway.Interval}
	if g.now == nil {
		g.now = time.Now
	}
	if g.log == nil {
		g.log = slog.New(slog.DiscardHandler)
	}

	pol, err := policy.Load(getenv)
	if err != nil {
		return nil, &ConfigError{Summary: "Invalid Ceso Policy File", Err: err,
			Detail: err.Error() + ". The system policy file is never ignored; fix it or ask its administrator."}
	}
	g.policy = pol

	var source string
	g.runID, source = fromEnv(cfg.CorrelationID, "correlation_id", EnvCorrelationID, getenv)
	if g.runID == "" {
		g.runID = "run-" + randomHex(8)
	} else if err := validRunID(g.runID); err != nil {
		return nil, &ConfigError{Summary: "Invalid Correlation ID", Detail: fmt.Sprintf("The run id from %s %s.", source, err)}
	}

	// Only the host password and the grant are secrets: a value the
	// configuration's author picks (a Pushgateway password) must not be
	// able to blank out names in the records.
	token, tokenSource := fromEnv(cfg.Elevation, AttrElevation, EnvElevation, getenv)
	g.red = audit.NewRedactor()
	if n := g.red.AddValues(append([]string{token}, cfg.Secrets...)...); n > 0 {
		g.log.Warn("a secret shorter than 8 characters is not redacted by value from the audit file: it would match inside ordinary words",
			"secrets", n, "min_length", audit.MinSecretLen)
	}

	if err := g.openAudit(cfg, getenv); err != nil {
		return nil, err
	}
	if g.mode, err = resolveMode(cfg.Mode, getenv(EnvMode), pol); err != nil {
		return nil, g.refuse(err)
	}
	if token != "" {
		if err := g.acceptGrant(token, tokenSource); err != nil {
			return nil, g.refuse(err)
		}
	}

	if cfg.Pushgateway.Interval < 0 {
		return nil, g.refuse(&ConfigError{Attribute: AttrPushInterval, Summary: "Invalid Push Interval", Detail: "push_interval must not be negative."})
	}
	pgURL, pgSource := fromEnv(cfg.Pushgateway.URL, AttrPushgatewayURL, EnvPushgatewayURL, getenv)
	g.metrics, err = metrics.New(metrics.Config{URL: pgURL, Job: cfg.Pushgateway.Job, RunID: g.runID, Logger: g.log})
	if err != nil {
		return nil, g.refuse(&ConfigError{Attribute: AttrPushgatewayURL, Summary: "Invalid Pushgateway URL", Err: err,
			Detail: fmt.Sprintf("The Pushgateway URL from %s cannot be used: %s.", pgSource, err)})
	}

	if g.audit != nil {
		if err := g.write(g.event("provider configured", g.startDetails())); err != nil {
			g.audit.Close()
			return nil, &ConfigError{Attribute: AttrAuditFile, Summary: "Unusable Audit File", Err: err,
				Detail: fmt.Sprintf("The audit file %s cannot be written: %s.", g.audit.Path(), err)}
		}
	}
	return g, nil
}

// Warnings are the parts of the configuration that were overridden.
func (g *Guard) Warnings() []Warning { return g.warnings }

// resolveMode applies the policy ceiling to each requested mode and keeps
// the lowest.
func resolveMode(configured, env string, pol *policy.Policy) (policy.Mode, error) {
	modeErr := func(err error) error {
		summary := "Invalid Mode"
		var ce *policy.CeilingError
		if errors.As(err, &ce) {
			summary = "Mode Above Policy Ceiling"
		}
		return &ConfigError{Attribute: AttrMode, Summary: summary, Detail: err.Error() + ".", Err: err}
	}
	mode, err := policy.ResolveMode(configured, `the "mode" attribute`, pol)
	if err != nil {
		return 0, modeErr(err)
	}
	if env != "" {
		envMode, err := policy.ResolveMode(env, EnvMode, pol)
		if err != nil {
			return 0, modeErr(err)
		}
		if configured == "" || envMode < mode {
			mode = envMode
		}
	}
	return mode, nil
}

func grantSummary(err error) string {
	switch {
	case errors.Is(err, policy.ErrGrantForged):
		return "Untrusted Elevation Grant"
	case errors.Is(err, policy.ErrGrantExpired):
		return "Expired Elevation Grant"
	case errors.Is(err, policy.ErrGrantNotYetValid):
		return "Elevation Grant Not Yet Valid"
	default:
		return "Malformed Elevation Grant"
	}
}

// Mode is the effective mode.
func (g *Guard) Mode() policy.Mode { return g.mode }

// RunID correlates this process's audit records and metrics.
func (g *Guard) RunID() string { return g.runID }

// Metrics is nil when no Pushgateway is configured (and nil-safe).
func (g *Guard) Metrics() *metrics.Metrics { return g.metrics }

// Grant is the verified elevation, or nil.
func (g *Guard) Grant() *policy.Grant { return g.grant }

// Policy is the policy in force.
func (g *Guard) Policy() *policy.Policy { return g.policy }

// run calls fn and turns a panic into an error after the outcome is known
// to the caller, so the audit trail never shows an intent without outcome.
func (g *Guard) run(ctx context.Context, fn func(context.Context) error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic in guarded operation: %v", r)
		}
	}()
	return fn(ctx)
}

// Read runs fn, which only reads, and writes one audit record for it
// (a data source, or one refresh batch). Reads are never refused.
func (g *Guard) Read(ctx context.Context, resourceType, object string, fn func(context.Context) error) error {
	start := time.Now()
	err := g.run(ctx, fn)
	dur := time.Since(start)
	outcome := metrics.OutcomeSuccess
	if err != nil {
		outcome = metrics.OutcomeFailure
	}
	if g.audit != nil {
		rec := audit.Record{Time: g.now(), RunID: g.runID, OpID: randomHex(8), Kind: audit.KindRead,
			ResourceType: resourceType, Object: object, Action: string(policy.ActionRead), Mode: g.mode.String(),
			Outcome: outcome, DurationMS: audit.Millis(dur)}
		if err != nil {
			rec.Error = err.Error()
		}
		if werr := g.write(rec); werr != nil {
			g.log.WarnContext(ctx, "audit record of a read could not be written", "error", g.red.String(werr.Error()))
		}
	}
	g.metrics.ObserveOperation(resourceType, string(policy.ActionRead), outcome, dur)
	return err
}

// Close pushes the metrics one last time and closes the audit file. It
// returns audit failures that happened after a host change (never a push
// failure). Safe to call more than once.
func (g *Guard) Close(ctx context.Context) error {
	g.mu.Lock()
	if g.closed {
		g.mu.Unlock()
		return nil
	}
	g.closed = true
	g.mu.Unlock()
	// A scheduled push not yet run is not needed: the last push below
	// sends everything.
	g.pushMu.Lock()
	if g.pushTimer != nil && g.pushTimer.Stop() {
		g.pushTimer = nil
		g.pushTrail.Done()
	}
	g.pushMu.Unlock()
	g.pushTrail.Wait()
	g.push(ctx)
	var errs []error
	if g.audit != nil {
		if err := g.write(g.event("provider stopped", nil)); err != nil {
			errs = append(errs, err)
		}
		errs = append(errs, g.audit.Close())
	}
	g.mu.Lock()
	errs = append(errs, g.auditErr)
	g.mu.Unlock()
	return errors.Join(errs...)
}

func (g *Guard) opRecord(kind, opID string, op Op, d policy.Decision) audit.Record {
	rec := audit.Record{Time: g.now(), RunID: g.runID, OpID: opID, Kind: kind, ResourceType: op.ResourceType,
		Object: op.Object, Action: string(op.Action), Mode: g.mode.String()}
	if d.Grant != nil {
		rec.Elevation = &audit.Elevation{GrantID: d.Grant.ID, Approver: d.Grant.Approver, Key: d.Grant.KeyName}
	}
	return rec
}

func (g *Guard) event(reason string, details map[string]any) audit.Record {
	return audit.Record{Time: g.now(), RunID: g.runID, Kind: audit.KindEvent, Mode: g.mode.String(), Reason: reason, Details: details}
}

func (g *Guard) startDetails() map[string]any {
	d := map[string]any{"policy": g.policy.Source(), "max_mode": g.policy.MaxMode.String()}
	if g.grant != nil {
		d["grant_id"] = g.grant.ID
		d["grant_approver"] = g.grant.Approver
		d["grant_mode"] = g.grant.Mode.String()
		d["grant_scope"] = g.grant.Scope
		d["grant_reason"] = g.grant.Reason
		d["grant_expires_at"] = g.grant.ExpiresAt.Format(time.RFC3339)
	}
	if u := g.metrics.URL(); u != "" {
		d["pushgateway"] = u
	}
	return d
}

// write appends a record if an audit file is configured.
func (g *Guard) write(rec audit.Record) error {
	if g.audit == nil {
		return nil
	}
	return g.audit.Write(rec)
}

func (g *Guard) rememberAuditErr(err error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.auditErr == nil {
		g.auditErr = err
	}
}

// maybePush pushes after a write. Within the configured interval of the
// last push it schedules one push for when the interval has passed, so
// pushes are at most one an interval and a write's metrics at most one
// interval late (the provider's default is 1s: one push per write made 50
// parallel creates 5.7% slower on two cores).
//
// One push runs at a time (a push sends every metric). A write that ends
// while one runs does not queue behind it: it leaves a note, and once the
// running push is done one more push, in the background, sends what every
// such write added. Ten parallel creates otherwise each waited for the
// pushes of the others (50 creates against a real Pushgateway: +5.8% on the
// apply). Close waits for that trailing push, then pushes last.
func (g *Guard) maybePush(ctx context.Context) {
	if g.metrics == nil {
		return
	}
	g.pushMu.Lock()
	if wait := g.pushInterval - time.Since(g.lastPush); g.pushInterval > 0 && wait > 0 {
		// Within the interval: one push, when it has passed, sends what
		// this write and any others meanwhile added.
		if g.pushTimer == nil {
			g.pushTrail.Add(1)
			g.pushTimer = time.AfterFunc(wait, func() {
				defer g.pushTrail.Done()
				g.pushMu.Lock()
				g.pushTimer = nil
				g.pushMu.Unlock()
				g.maybePush(context.WithoutCancel(ctx))
			})
		}
		g.pushMu.Unlock()
		return
	}
	if g.pushing {
		g.pushAgain = true
		g.pushMu.Unlock()
		return
	}
	g.pushing = true
	g.pushMu.Unlock()
	g.push(ctx)
	if !g.pushedLast() {
		g.pushTrail.Add(1)
		go func() {
			defer g.pushTrail.Done()
			for {
				g.push(context.WithoutCancel(ctx))
				if g.pushedLast() {
					return
				}
			}
		}()
	}
}

// pushedLast ends the running push unless a write asked for another: it
// reports whether the push just made was the last one needed.
func (g *Guard) pushedLast() bool {
	g.pushMu.Lock()
	defer g.pushMu.Unlock()
	if g.pushAgain {
		g.pushAgain = false
		return false
	}
	g.pushing = false
	return true
}

// push never fails the caller: a failure is logged by metrics, and audited
// once per guard so a dead Pushgateway does not flood the audit file.
func (g *Guard) push(ctx context.Context) {
	if g.metrics == nil {
		return
	}
	// Terraform cancelling the operation should not cancel its telemetry;
	// the push has its own timeout.
	err := g.metrics.Push(context.WithoutCancel(ctx))
	g.pushMu.Lock()
	g.lastPush = time.Now()
	g.pushMu.Unlock()
	if err == nil {
		return
	}
	g.pushFailed.Do(func() {
		if werr := g.write(g.event("metrics push failed", map[string]any{"error": err.Error()})); werr != nil {
			g.log.WarnContext(ctx, "audit record of a push failure could not be written", "error", g.red.String(werr.Error()))
		}
	})
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms.
	return hex.EncodeToString(b)
}
