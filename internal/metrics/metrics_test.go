package metrics_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/esxi-commander/terraform-provider-ceso/internal/metrics"
	"github.com/esxi-commander/terraform-provider-ceso/internal/metrics/metricstest"
)

func exercise(m *metrics.Metrics) {
	m.ObserveOperation("ceso_vm", "create", metrics.OutcomeSuccess, 2*time.Second)
	m.ObserveOperation("ceso_vm", "create", metrics.OutcomeSuccess, 3*time.Second)
	m.ObserveOperation("ceso_vm", "delete", metrics.OutcomeRefused, 0)
	m.PolicyDecision("standard", "allowed")
	m.PolicyDecision("standard", "refused")
	m.Elevation(metrics.ElevationUsed)
	m.Backup(4096, time.Minute)
	m.BackupSucceeded("web-01", time.Unix(1764460800, 500e6))
	m.BackupDrill("web-01", true, time.Unix(1764460900, 0))
	m.BackupDrill("db-01", false, time.Unix(1764460950, 0))
	m.PoolSessions(2, 3)
	m.PoolEvent(metrics.PoolCreated)
	m.SOAPCall("RetrievePropertiesEx")
}

func TestNilMetricsIsNoOp(t *testing.T) {
	t.Parallel()
	m, err := metrics.New(metrics.Config{})
	if err != nil || m != nil {
		t.Fatalf("New without URL = %v, %v; want nil, nil", m, err)
	}
	exercise(m) // must not panic
	if err := m.Push(context.Background()); err != nil {
		t.Errorf("Push on nil = %v", err)
	}
	if m.Registry() != nil || m.URL() != "" {
		t.Error("nil Metrics exposes a registry or URL")
	}
}

func TestNewRejectsBadURL(t *testing.T) {
	t.Parallel()
	for _, u := range []string{"ftp://gw:9091", "localhost:9091", "http://", "http://u:secret@%zz"} {
		t.Run(u, func(t *testing.T) {
			t.Parallel()
			_, err := metrics.New(metrics.Config{URL: u})
			var ue *metrics.URLError
			if !errors.As(err, &ue) {
				t.Fatalf("New(%q) error = %v, want *URLError", u, err)
			}
			if strings.Contains(err.Error(), "secret") {
				t.Errorf("error leaks the password: %v", err)
			}
		})
	}
}

func TestNamesAreRegistered(t *testing.T) {
	t.Parallel()
	m, err := metrics.New(metrics.Config{URL: "http://127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	exercise(m)
	fams, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range fams {
		got = append(got, f.GetName())
	}
	want := slices.Clone(metrics.Names())
	sort.Strings(want)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("gathered names differ from Names() (-want +got):\n%s", diff)
	}
}

func TestPushFailureIsReturned(t *testing.T) {
	t.Parallel()
	l, err := new(net.ListenConfig).Listen(t.Context(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "nope", http.StatusInternalServerError)
	}))
	defer srv.Close()
	for name, u := range map[string]string{"refused": "http://user:pw-canary@" + addr, "http 500": srv.URL} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			m, err := metrics.New(metrics.Config{URL: u, RunID: "r1", Timeout: 2 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			exercise(m)
			err = m.Push(context.Background())
			var pe *metrics.PushError
			if !errors.As(err, &pe) {
				t.Fatalf("Push error = %v, want *PushError", err)
			}
			if strings.Contains(err.Error(), "pw-canary") {
				t.Errorf("push error leaks the password: %v", err)
			}
		})
	}
}

// TestPushRoundTrip pushes to a real Pushgateway process and reads the
// metric families back from the gateway's own /metrics page.
func TestPushRoundTrip(t *testing.T) {
	t.Parallel()
	gw := metricstest.StartPushgateway(t)
	m, err := metrics.New(metrics.Config{URL: gw, Job: "ceso-test", RunID: "run-42"})
	if err != nil {
		t.Fatal(err)
	}
	exercise(m)
	if err := m.Push(context.Background()); err != nil {
		t.Fatal(err)
	}
	// A second push replaces the group, it does not add to it.
	m.SOAPCall("RetrievePropertiesEx")
	if err := m.Push(context.Background()); err != nil {
		t.Fatal(err)
	}
	fams := metricstest.Families(t, gw)
	group := map[string]string{"job": "ceso-test", "run_id": "run-42"}
	value := func(name string, labels map[string]string) float64 {
		t.Helper()
		want := map[string]string{}
		for k, v := range group {
			want[k] = v
		}
		for k, v := range labels {
			want[k] = v
		}
		found := metricstest.Find(fams, name, want)
		if len(found) != 1 {
			t.Fatalf("%s%v: found %d series on the pushgateway, want 1", name, want, len(found))
		}
		s := found[0]
		switch {
		case s.Counter != nil:
			return s.Counter.GetValue()
		case s.Gauge != nil:
			return s.Gauge.GetValue()
		case s.Histogram != nil:
			return float64(s.Histogram.GetSampleCount())
		}
		return -1
	}
	got := map[string]float64{
		"ops create success": value(metrics.NameOperations, map[string]string{"resource": "ceso_vm", "action": "create", "outcome": "success"}),
		"ops delete refused": value(metrics.NameOperations, map[string]string{"resource": "ceso_vm", "action": "delete", "outcome": "refused"}),
		"duration count":     value(metrics.NameOperationDuration, map[string]string{"resource": "ceso_vm", "action": "create"}),
		"decisions refused":  value(metrics.NamePolicyDecisions, map[string]string{"mode": "standard", "decision": "refused"}),
		"elevations used":    value(metrics.NameElevations, map[string]string{"outcome": "used"}),
		"backup bytes":       value(metrics.NameBackupBytes, nil),
		"backup duration":    value(metrics.NameBackupDuration, nil),
		"pool idle":          value(metrics.NamePoolSessions, map[string]string{"state": "idle"}),
		"pool created":       value(metrics.NamePoolEvents, map[string]string{"event": "created"}),
		"soap calls":         value(metrics.NameSOAPCalls, map[string]string{"method": "RetrievePropertiesEx"}),
		"last backup web-01": value(metrics.NameBackupLastSuccess, map[string]string{"vm": "web-01"}),
		"drill web-01":       value(metrics.NameBackupDrillSuccess, map[string]string{"vm": "web-01"}),
		"drill db-01":        value(metrics.NameBackupDrillSuccess, map[string]string{"vm": "db-01"}),
		"drill time db-01":   value(metrics.NameBackupDrillTime, map[string]string{"vm": "db-01"}),
	}
	want := map[string]float64{
		"ops create success": 2, "ops delete refused": 1, "duration count": 2, "decisions refused": 1,
		"elevations used": 1, "backup bytes": 4096, "backup duration": 1, "pool idle": 3, "pool created": 1,
		"soap calls": 2, "last backup web-01": 1764460800.5,
		"drill web-01": 1, "drill db-01": 0, "drill time db-01": 1764460950,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("pushed values (-want +got):\n%s", diff)
	}
	if fams["push_time_seconds"] == nil {
		t.Error("pushgateway shows no push_time_seconds: the push did not register")
	}
}
