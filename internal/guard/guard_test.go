package guard

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/esxi-commander/terraform-provider-ceso/internal/audit"
	"github.com/esxi-commander/terraform-provider-ceso/internal/policy"
)

func TestNewConfigErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		maxMode     string
		edit        func(t *testing.T, w *world, c *Config)
		wantAttr    string
		wantSummary string
		wantDetail  string
	}{
		{name: "mode typo", maxMode: "unrestricted", edit: func(_ *testing.T, _ *world, c *Config) { c.Mode = "admin" },
			wantAttr: AttrMode, wantSummary: "Invalid Mode", wantDetail: "valid modes are restricted, standard, unrestricted"},
		{name: "mode above ceiling", maxMode: "standard", edit: func(_ *testing.T, _ *world, c *Config) { c.Mode = "unrestricted" },
			wantAttr: AttrMode, wantSummary: "Mode Above Policy Ceiling", wantDetail: "allows at most standard"},
		{name: "env mode above ceiling", maxMode: "restricted", edit: func(_ *testing.T, w *world, _ *Config) { w.env[EnvMode] = "standard" },
			wantAttr: AttrMode, wantSummary: "Mode Above Policy Ceiling", wantDetail: "CESO_MODE asks for standard mode"},
		{name: "malformed policy", maxMode: "standard", edit: func(t *testing.T, w *world, _ *Config) {
			if err := os.WriteFile(w.policy, []byte(`{"max_mode": `), 0o644); err != nil {
				t.Fatal(err)
			}
		}, wantSummary: "Invalid Ceso Policy File", wantDetail: "malformed JSON"},
		{name: "writable policy", maxMode: "standard", edit: func(t *testing.T, w *world, _ *Config) {
			if err := os.Chmod(w.policy, 0o666); err != nil {
				t.Fatal(err)
			}
		},
			wantSummary: "Invalid Ceso Policy File", wantDetail: "writable by users other than its owner"},
		{name: "missing explicit policy", maxMode: "standard", edit: func(_ *testing.T, w *world, _ *Config) { w.env[policy.EnvPolicyFile] += ".gone" },
			wantSummary: "Invalid Ceso Policy File", wantDetail: "cannot be opened"},
		{name: "forged grant", maxMode: "standard", edit: func(t *testing.T, _ *world, c *Config) {
			c.Elevation = newWorld(t, "standard").grant(t, policy.Unrestricted, "*")
		}, wantAttr: AttrElevation, wantSummary: "Untrusted Elevation Grant", wantDetail: "not among the trusted keys"},
		{name: "expired grant", maxMode: "standard", edit: func(t *testing.T, w *world, c *Config) {
			c.Elevation = w.grant(t, policy.Unrestricted, "*")
			c.Now = func() time.Time { return t0.Add(2 * time.Hour) }
		}, wantAttr: AttrElevation, wantSummary: "Expired Elevation Grant", wantDetail: "ask alice@example.com for a new grant"},
		{name: "future grant", maxMode: "standard", edit: func(t *testing.T, w *world, c *Config) {
			w.env[EnvElevation] = w.grant(t, policy.Unrestricted, "*")
			c.Now = func() time.Time { return t0.Add(-time.Hour) }
		}, wantAttr: AttrElevation, wantSummary: "Elevation Grant Not Yet Valid", wantDetail: "from CESO_ELEVATION"},
		{name: "malformed grant", maxMode: "standard", edit: func(_ *testing.T, _ *world, c *Config) { c.Elevation = "please" },
			wantAttr: AttrElevation, wantSummary: "Malformed Elevation Grant"},
		{name: "writable audit file", maxMode: "standard", edit: func(t *testing.T, w *world, _ *Config) {
			if err := os.WriteFile(w.auditPath, nil, 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(w.auditPath, 0o664); err != nil {
				t.Fatal(err)
			}
		}, wantAttr: AttrAuditFile, wantSummary: "Unusable Audit File", wantDetail: "writable by group or others"},
		{name: "bad pushgateway", maxMode: "standard", edit: func(_ *testing.T, w *world, _ *Config) { w.env[EnvPushgatewayURL] = "gw:9091" },
			wantAttr: AttrPushgatewayURL, wantSummary: "Invalid Pushgateway URL", wantDetail: "from CESO_PUSHGATEWAY_URL"},
		{name: "bad correlation id", maxMode: "standard", edit: func(_ *testing.T, w *world, _ *Config) { w.env[EnvCorrelationID] = "a b" },
			wantSummary: "Invalid Correlation ID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, tt.maxMode)
			cfg := w.config("")
			tt.edit(t, w, &cfg)
			g, err := New(cfg)
			if err == nil {
				g.Close(t.Context())
				t.Fatal("New succeeded")
			}
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("error %T %v is not a *ConfigError", err, err)
			}
			if ce.Attribute != tt.wantAttr || ce.Summary != tt.wantSummary || !strings.Contains(ce.Detail, tt.wantDetail) {
				t.Errorf("ConfigError = {%q, %q, %q}; want {%q, %q, ...%q...}", ce.Attribute, ce.Summary, ce.Detail,
					tt.wantAttr, tt.wantSummary, tt.wantDetail)
			}
		})
	}
}

func TestModeResolution(t *testing.T) {
	t.Parallel()
	tests := []struct {
		maxMode, configured, env string
		want                     policy.Mode
	}{
		{maxMode: "unrestricted", want: policy.Standard},
		{maxMode: "restricted", want: policy.Restricted},
		{maxMode: "unrestricted", configured: "unrestricted", want: policy.Unrestricted},
		{maxMode: "unrestricted", env: "restricted", want: policy.Restricted},
		{maxMode: "unrestricted", configured: "unrestricted", env: "restricted", want: policy.Restricted},
		{maxMode: "unrestricted", configured: "restricted", env: "unrestricted", want: policy.Restricted},
		{maxMode: "standard", env: "standard", want: policy.Standard},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/%s/%s", tt.maxMode, tt.configured, tt.env), func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, tt.maxMode)
			if tt.env != "" {
				w.env[EnvMode] = tt.env
			}
			if got := mustNew(t, w.config(tt.configured)).Mode(); got != tt.want {
				t.Errorf("Mode() = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestDoDecisions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		mode       string
		grantMode  policy.Mode
		grantScope string
		action     policy.Action
		object     string
		unscoped   bool
		wantRun    bool
		wantMsg    string
	}{
		{name: "restricted refuses create", mode: "restricted", action: policy.ActionCreate, object: "web-1",
			wantMsg: `ceso refused create of ceso_vm "web-1": restricted mode refuses every change; create "web-1" needs standard mode. An approver grants this one change with: terraform-provider-ceso grant issue --host HOST`},
		{name: "restricted refuses update", mode: "restricted", action: policy.ActionUpdate, object: "web-1", wantMsg: "restricted mode refuses every change"},
		{name: "restricted with grant", mode: "restricted", grantMode: policy.Standard, grantScope: "web-*", action: policy.ActionCreate, object: "web-1", wantRun: true},
		{name: "standard creates", mode: "standard", action: policy.ActionCreate, object: "web-1", wantRun: true},
		{name: "standard runs a restore drill", mode: "standard", action: policy.ActionBackupDrill, object: "web-1", wantRun: true},
		{name: "restricted refuses a restore drill", mode: "restricted", action: policy.ActionBackupDrill, object: "web-1", wantMsg: "restricted mode refuses every change"},
		{name: "standard refuses delete", mode: "standard", action: policy.ActionDelete, object: "web-1",
			wantMsg: "delete is destructive and standard mode needs an elevation"},
		{name: "standard refuses forced power-off", mode: "standard", action: policy.ActionPowerOffForced, object: "web-1", wantMsg: "needs an elevation"},
		{name: "standard delete elevated", mode: "standard", grantMode: policy.Unrestricted, grantScope: "web-*", action: policy.ActionDelete, object: "web-1", wantRun: true},
		{name: "grant out of scope", mode: "standard", grantMode: policy.Unrestricted, grantScope: "web-*", action: policy.ActionDelete, object: "db-1",
			wantMsg: `covers VMs matching web-*, not "db-1"`},
		// A cloud-init payload's hostname is not a VM name: a grant's
		// scope is not matched against it, only its mode.
		{name: "unscoped object ignores the scope", mode: "restricted", grantMode: policy.Standard, grantScope: "web-a", action: policy.ActionCreate, object: "www-a", unscoped: true, wantRun: true},
		{name: "scoped object outside the scope", mode: "restricted", grantMode: policy.Standard, grantScope: "web-a", action: policy.ActionCreate, object: "www-a",
			wantMsg: `covers VMs matching web-a, not "www-a"`},
		{name: "unrestricted restores over", mode: "unrestricted", action: policy.ActionRestoreOver, object: "db-1", wantRun: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, "unrestricted")
			cfg := w.config(tt.mode)
			if tt.grantMode != 0 {
				cfg.Elevation = w.grant(t, tt.grantMode, tt.grantScope)
			}
			g := mustNew(t, cfg)
			ran := false
			err := g.Do(t.Context(), Op{ResourceType: "ceso_vm", Object: tt.object, Unscoped: tt.unscoped, Action: tt.action}, func(context.Context) error {
				ran = true
				return nil
			})
			if ran != tt.wantRun {
				t.Fatalf("fn ran = %v, want %v (err %v)", ran, tt.wantRun, err)
			}
			recs := records(t, w.auditPath)
			last := recs[len(recs)-1]
			if tt.wantRun {
				if err != nil {
					t.Fatal(err)
				}
				if last.Outcome != audit.OutcomeSuccess || recs[len(recs)-2].Kind != audit.KindIntent {
					t.Errorf("audit tail = %+v", recs[len(recs)-2:])
				}
				if (tt.grantMode != 0) != (last.Elevation != nil) {
					t.Errorf("elevation recorded = %+v, grant given = %v", last.Elevation, tt.grantMode != 0)
				}
				return
			}
			var re *RefusedError
			if !errors.As(err, &re) || !strings.Contains(err.Error(), tt.wantMsg) {
				t.Fatalf("error = %v, want a *RefusedError containing %q", err, tt.wantMsg)
			}
			if last.Outcome != audit.OutcomeRefused || last.Kind != audit.KindOutcome || !strings.Contains(last.Reason, strings.TrimSpace(tt.wantMsg[strings.Index(tt.wantMsg, ":")+1:])) {
				t.Errorf("refusal audit record = %+v", last)
			}
		})
	}
}

func TestIntentIsDurableBeforeTheHostIsTouched(t *testing.T) {
	t.Parallel()
	w := newWorld(t, "standard")
	g := mustNew(t, w.config("standard"))
	op := Op{ResourceType: "ceso_vm", Object: "web-1", Action: policy.ActionCreate, Details: map[string]any{"cpus": 2}}
	err := g.Do(t.Context(), op, func(context.Context) error {
		// What a crash right now would leave behind: the intent, on disk.
		recs := records(t, w.auditPath)
		last := recs[len(recs)-1]
		if last.Kind != audit.KindIntent || last.Object != "web-1" || last.Details["cpus"] != float64(2) {
			t.Errorf("last record while the host call runs = %+v, want the intent", last)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	recs := records(t, w.auditPath)
	intent, outcome := recs[len(recs)-2], recs[len(recs)-1]
	if intent.OpID == "" || intent.OpID != outcome.OpID || outcome.DurationMS == nil || outcome.RunID != g.RunID() {
		t.Errorf("intent %+v and outcome %+v do not correlate", intent, outcome)
	}
}

func TestFailureAndPanicAreAudited(t *testing.T) {
	t.Parallel()
	const password = "CANARY-host-password"
	w := newWorld(t, "standard")
	cfg := w.config("standard")
	cfg.Secrets = []string{password}
	g := mustNew(t, cfg)
	fault := fmt.Errorf("login as root with %s: %w", password, os.ErrPermission)
	op := Op{ResourceType: "ceso_vm", Object: "web-1", Action: policy.ActionUpdate}
	if err := g.Do(t.Context(), op, func(context.Context) error { return fault }); !errors.Is(err, os.ErrPermission) || err != fault { //nolint:errorlint // fn's error must come back as it is, not wrapped.
		t.Errorf("Do returned %v, want fn's error unchanged", err)
	}
	if err := g.Do(t.Context(), op, func(context.Context) error { panic("boom") }); err == nil || !strings.Contains(err.Error(), "boom") {
		t.Errorf("Do after panic = %v", err)
	}
	recs := records(t, w.auditPath)
	var got []string
	for _, r := range recs[1:] {
		got = append(got, r.Kind+"/"+r.Outcome+"/"+r.Error)
	}
	want := []string{
		"intent//",
		"outcome/failure/login as root with [REDACTED]: permission denied",
		"intent//",
		"outcome/failure/panic in guarded operation: boom",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("audit records (-want +got):\n%s", diff)
	}
}

func TestUnwritableIntentStopsTheWrite(t *testing.T) {
	t.Parallel()
	w := newWorld(t, "standard")
	g := mustNew(t, w.config("standard"))
	g.audit.Close() // as if the disk went away
	ran := false
	err := g.Do(t.Context(), Op{ResourceType: "ceso_vm", Object: "web-1", Action: policy.ActionCreate}, func(context.Context) error {
		ran = true
		return nil
	})
	var ae *AuditError
	if ran || !errors.As(err, &ae) {
		t.Fatalf("ran = %v, err = %v; want *AuditError and no host call", ran, err)
	}
}

func TestPlanHasNoSideEffects(t *testing.T) {
	t.Parallel()
	w := newWorld(t, "standard")
	g := mustNew(t, w.config("restricted"))
	d := g.Plan(Op{ResourceType: "ceso_vm", Object: "web-1", Action: policy.ActionCreate})
	if d.Allowed || d.Summary() != "Change Refused In Restricted Mode" || !strings.Contains(d.Reason, "--mode standard --scope \"web-1\"") ||
		!strings.Contains(d.Reason, "terraform-provider-ceso review plan.json") || strings.Contains(d.Reason, "elevation attribute") {
		t.Errorf("Plan = %+v", d)
	}
	if d := g.Plan(Op{ResourceType: "ceso_vm", Object: "web-1", Action: policy.ActionRead}); !d.Allowed {
		t.Errorf("Plan of a read refused: %s", d.Reason)
	}
	if recs := records(t, w.auditPath); len(recs) != 1 || recs[0].Reason != "provider configured" {
		t.Errorf("plan wrote audit records: %+v", recs)
	}
}

func TestReadsAreAuditedOnce(t *testing.T) {
	t.Parallel()
	w := newWorld(t, "restricted")
	g := mustNew(t, w.config(""))
	if err := g.Read(t.Context(), "ceso_vms", "inventory", func(context.Context) error { return nil }); err != nil {
		t.Fatal(err)
	}
	recs := records(t, w.auditPath)
	if len(recs) != 2 || recs[1].Kind != audit.KindRead || recs[1].Mode != "restricted" || recs[1].Outcome != audit.OutcomeSuccess {
		t.Errorf("records = %+v", recs)
	}
}

// TestConcurrentOperationsKeepOneChain runs parallel resources through two
// guards sharing one audit file (two provider instances), then verifies the
// chain and the count.
func TestConcurrentOperationsKeepOneChain(t *testing.T) {
	t.Parallel()
	const workers, perWorker = 8, 15
	w := newWorld(t, "unrestricted")
	g1 := mustNew(t, w.config("unrestricted"))
	g2 := mustNew(t, w.config("standard"))
	var wg sync.WaitGroup
	for i := range workers {
		g := g1
		if i%2 == 1 {
			g = g2
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range perWorker {
				op := Op{ResourceType: "ceso_vm", Object: fmt.Sprintf("vm-%d-%d", i, j), Action: policy.ActionDelete}
				_ = g.Do(t.Context(), op, func(context.Context) error { return nil })
				_ = g.Read(t.Context(), "ceso_vm", op.Object, func(context.Context) error { return nil })
			}
		}()
	}
	wg.Wait()
	n, err := audit.Verify(w.auditPath)
	if err != nil {
		t.Fatal(err)
	}
	// g1 (unrestricted): intent + outcome + read; g2 (standard): refused + read.
	want := 2 + workers/2*perWorker*3 + workers/2*perWorker*2
	if n != want {
		t.Errorf("Verify counted %d records, want %d", n, want)
	}
}

func TestSecretsNeverReachTheAuditFile(t *testing.T) {
	t.Parallel()
	const password = "CANARY-esxi-pw-3141"
	w := newWorld(t, "standard")
	cfg := w.config("standard")
	cfg.Secrets = []string{password}
	token := w.grant(t, policy.Unrestricted, "*")
	w.env[EnvElevation] = token
	w.env[EnvPushgatewayURL] = "http://metrics:CANARY-gw-pw@127.0.0.1:1"
	cfg.Logger = nil
	g := mustNew(t, cfg)
	op := Op{ResourceType: "ceso_vm", Object: "web-1", Action: policy.ActionReplace, Details: map[string]any{
		"password":  password,
		"user_data": "#cloud-config\nusers:\n  - name: a\n    plain_text_passwd: CANARY-user-pw\n",
		"note":      "connect with " + password + " using " + token,
	}}
	_ = g.Do(t.Context(), op, func(context.Context) error { return errors.New("fault: password=" + password) })
	g.Close(t.Context())
	data, err := os.ReadFile(w.auditPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []string{password, token, "CANARY"} {
		if strings.Contains(string(data), c) {
			t.Errorf("audit file contains %q:\n%s", c, data)
		}
	}
	if !strings.Contains(string(data), g.Grant().ID) {
		t.Error("the grant id, which is not secret, is missing from the audit file")
	}
}

func TestCloseIsIdempotentAndLaterWritesAreRefused(t *testing.T) {
	t.Parallel()
	w := newWorld(t, "standard")
	g := mustNew(t, w.config("standard"))
	if err := g.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := g.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	recs := records(t, w.auditPath)
	if recs[len(recs)-1].Reason != "provider stopped" {
		t.Errorf("last record = %+v", recs[len(recs)-1])
	}
	if _, err := audit.Verify(w.auditPath); err != nil {
		t.Fatal(err)
	}
}
