package guard

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/esxi-commander/terraform-provider-ceso/internal/metrics"
	"github.com/esxi-commander/terraform-provider-ceso/internal/metrics/metricstest"
	"github.com/esxi-commander/terraform-provider-ceso/internal/policy"
)

func TestNoPushgatewayMeansNoMetrics(t *testing.T) {
	t.Parallel()
	w := newWorld(t, "standard")
	g := mustNew(t, w.config("standard"))
	if g.Metrics() != nil {
		t.Fatal("metrics exist without a Pushgateway")
	}
	if err := g.Do(t.Context(), Op{ResourceType: "ceso_vm", Object: "a", Action: policy.ActionCreate}, func(context.Context) error { return nil }); err != nil {
		t.Fatal(err)
	}
}

// TestGuardPushesToRealPushgateway runs writes through the guard and reads
// the pushed families back from a real Pushgateway.
func TestGuardPushesToRealPushgateway(t *testing.T) {
	t.Parallel()
	gw := metricstest.StartPushgateway(t)
	w := newWorld(t, "unrestricted")
	cfg := w.config("standard")
	cfg.Pushgateway = PushgatewayConfig{URL: gw, Job: "ceso-guard-test"}
	cfg.CorrelationID = "ci-job-1234"
	g := mustNew(t, cfg)
	ok := func(context.Context) error { return nil }
	if err := g.Do(t.Context(), Op{ResourceType: "ceso_vm", Object: "web-1", Action: policy.ActionCreate}, ok); err != nil {
		t.Fatal(err)
	}
	if err := g.Do(t.Context(), Op{ResourceType: "ceso_vm", Object: "web-1", Action: policy.ActionDelete}, ok); err == nil {
		t.Fatal("a delete in standard mode without elevation was not refused")
	}
	g.Plan(Op{ResourceType: "ceso_vm", Object: "web-2", Action: policy.ActionDelete}) // warned, pushed at Close
	if err := g.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	fams := metricstest.Families(t, gw)
	group := map[string]string{"job": "ceso-guard-test", "run_id": "ci-job-1234"}
	with := func(kv ...string) map[string]string {
		m := map[string]string{}
		for k, v := range group {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	checks := []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{metrics.NameOperations, with("resource", "ceso_vm", "action", "create", "outcome", "success"), 1},
		{metrics.NameOperations, with("resource", "ceso_vm", "action", "delete", "outcome", "refused"), 1},
		{metrics.NamePolicyDecisions, with("mode", "standard", "decision", "allowed"), 1},
		{metrics.NamePolicyDecisions, with("mode", "standard", "decision", "refused"), 1},
		{metrics.NamePolicyDecisions, with("mode", "standard", "decision", "warned"), 1},
	}
	for _, c := range checks {
		found := metricstest.Find(fams, c.name, c.labels)
		if len(found) != 1 || found[0].GetCounter().GetValue() != c.want {
			t.Errorf("%s%v = %v, want one series with value %v", c.name, c.labels, found, c.want)
		}
	}
	if n := len(metricstest.Find(fams, metrics.NameOperationDuration, with("action", "create"))); n != 1 {
		t.Errorf("duration histogram series for create: %d, want 1", n)
	}
}

func TestFailedPushNeverFailsTheApplyAndIsAuditedOnce(t *testing.T) {
	t.Parallel()
	l, err := new(net.ListenConfig).Listen(t.Context(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + l.Addr().String()
	l.Close()
	w := newWorld(t, "standard")
	cfg := w.config("standard")
	cfg.Pushgateway = PushgatewayConfig{URL: dead}
	g := mustNew(t, cfg)
	for i := range 3 {
		op := Op{ResourceType: "ceso_vm", Object: "web-1", Action: policy.ActionUpdate, Details: map[string]any{"i": i}}
		if err := g.Do(t.Context(), op, func(context.Context) error { return nil }); err != nil {
			t.Fatalf("write %d failed because of the push: %v", i, err)
		}
	}
	if err := g.Close(t.Context()); err != nil {
		t.Fatalf("Close returned a push failure: %v", err)
	}
	pushFailures := 0
	for _, r := range records(t, w.auditPath) {
		if r.Reason == "metrics push failed" {
			pushFailures++
			if msg, _ := r.Details["error"].(string); !strings.Contains(msg, "push to pushgateway") {
				t.Errorf("push failure record = %+v", r)
			}
		}
	}
	if pushFailures != 1 {
		t.Errorf("push failure audited %d times, want once", pushFailures)
	}
}

func TestPushIntervalThrottlesPushes(t *testing.T) {
	t.Parallel()
	gw := metricstest.StartPushgateway(t)
	w := newWorld(t, "standard")
	cfg := w.config("standard")
	cfg.Pushgateway = PushgatewayConfig{URL: gw, Interval: time.Hour}
	g := mustNew(t, cfg)
	ok := func(context.Context) error { return nil }
	for _, name := range []string{"a", "b"} {
		if err := g.Do(t.Context(), Op{ResourceType: "ceso_vm", Object: name, Action: policy.ActionCreate}, ok); err != nil {
			t.Fatal(err)
		}
	}
	// The second write fell inside the interval: the gateway still has 1.
	runLabels := map[string]string{"run_id": g.RunID(), "action": "create", "outcome": "success"}
	if got := metricstest.Find(metricstest.Families(t, gw), metrics.NameOperations, runLabels); len(got) != 1 || got[0].GetCounter().GetValue() != 1 {
		t.Fatalf("before Close: %v, want the first push only", got)
	}
	g.Close(t.Context())
	if got := metricstest.Find(metricstest.Families(t, gw), metrics.NameOperations, runLabels); len(got) != 1 || got[0].GetCounter().GetValue() != 2 {
		t.Fatalf("after Close: %v, want both writes", got)
	}
}

// A write within the interval of the last push is not left for Close: one
// push, once the interval has passed, sends it.
func TestPushIntervalPushesLateWrites(t *testing.T) {
	t.Parallel()
	gw := metricstest.StartPushgateway(t)
	w := newWorld(t, "standard")
	cfg := w.config("standard")
	cfg.Pushgateway = PushgatewayConfig{URL: gw, Interval: 300 * time.Millisecond}
	g := mustNew(t, cfg)
	defer func() { _ = g.Close(t.Context()) }()
	ok := func(context.Context) error { return nil }
	runLabels := map[string]string{"run_id": g.RunID(), "action": "create", "outcome": "success"}
	pushed := func() float64 {
		got := metricstest.Find(metricstest.Families(t, gw), metrics.NameOperations, runLabels)
		if len(got) != 1 {
			return 0
		}
		return got[0].GetCounter().GetValue()
	}
	for _, name := range []string{"a", "b", "c"} {
		if err := g.Do(t.Context(), Op{ResourceType: "ceso_vm", Object: name, Action: policy.ActionCreate}, ok); err != nil {
			t.Fatal(err)
		}
	}
	if n := pushed(); n != 1 {
		t.Fatalf("right after three writes the gateway has %v, want the first write's push only", n)
	}
	deadline := time.Now().Add(10 * time.Second)
	for pushed() != 3 {
		if time.Now().After(deadline) {
			t.Fatalf("the writes inside the interval were not pushed before Close: gateway has %v, want 3", pushed())
		}
		time.Sleep(50 * time.Millisecond)
	}
}
