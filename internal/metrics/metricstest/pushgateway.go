// Package metricstest runs a real Pushgateway for tests and reads back what
// was pushed to it.
package metricstest

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/esxi-commander/terraform-provider-ceso/internal/testtool"
)

// Binary is where Debian's prometheus-pushgateway package installs it.
const Binary = "/usr/bin/prometheus-pushgateway"

var pushgateway = testtool.Program{Path: Binary, Package: "prometheus-pushgateway"}

// StartPushgateway starts a Pushgateway on a free 127.0.0.1 port with
// persistence off and returns its base URL; it is stopped when the test
// ends. Without the binary the test is skipped, except under CI (CI set),
// where a missing binary means the CI setup is broken and the test fails.
func StartPushgateway(t testing.TB) string {
	t.Helper()
	bin := testtool.Require(t, pushgateway)
	var lastErr error
	// A free port can be taken between probing and binding; try again.
	for range 3 {
		url, err := start(t, bin)
		if err == nil {
			return url
		}
		lastErr = err
	}
	t.Fatalf("pushgateway did not start: %v", lastErr)
	return ""
}

func start(t testing.TB, bin string) (string, error) {
	port, err := freePort()
	if err != nil {
		return "", err
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	var out bytes.Buffer
	//nolint:gosec // G204: bin is the pushgateway found on this machine.
	cmd := exec.CommandContext(t.Context(), bin, "--web.listen-address="+addr, "--persistence.file=", "--log.level=warn")
	// When the test ends, stop it gracefully; kill it if it lingers.
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 5 * time.Second
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return "", err
	}
	// exited is closed when the process is gone; waitErr is then its exit
	// status, which only an early exit reports (a stop by signal is expected).
	exited := make(chan struct{})
	var waitErr error
	go func() { waitErr = cmd.Wait(); close(exited) }()
	stop := func() {
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	}
	url := "http://" + addr
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return "", fmt.Errorf("exited early: %w: %s", waitErr, out.String())
		default:
		}
		if ready(url) {
			t.Cleanup(stop)
			return url, nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	stop()
	return "", fmt.Errorf("not ready after 15s: %s", out.String())
}

func ready(url string) bool {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url+"/-/ready", nil)
	if err != nil {
		return false
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

func freePort() (int, error) {
	l, err := new(net.ListenConfig).Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	addr, ok := l.Addr().(*net.TCPAddr)
	if !ok {
		return 0, fmt.Errorf("unexpected listener address %v", l.Addr())
	}
	return addr.Port, nil
}

// Families fetches and parses the Pushgateway's own /metrics page, where
// pushed metrics appear with their job and grouping labels.
func Families(t testing.TB, url string) map[string]*dto.MetricFamily {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url+"/metrics", nil)
	if err != nil {
		t.Fatal(err)
	}
	// Ask for the classic text format, which the parser reads.
	req.Header.Set("Accept", "text/plain; version=0.0.4")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parsing %s/metrics: %v", url, err)
	}
	return fams
}

// Labels returns a metric's labels as a map.
func Labels(m *dto.Metric) map[string]string {
	out := map[string]string{}
	for _, lp := range m.GetLabel() {
		out[lp.GetName()] = lp.GetValue()
	}
	return out
}

// Find returns the metrics of family name whose labels include want.
func Find(fams map[string]*dto.MetricFamily, name string, want map[string]string) []*dto.Metric {
	var out []*dto.Metric
	for _, m := range fams[name].GetMetric() {
		labels := Labels(m)
		match := true
		for k, v := range want {
			if labels[k] != v {
				match = false
				break
			}
		}
		if match {
			out = append(out, m)
		}
	}
	return out
}

// Await polls the Pushgateway until the metrics of family name with the
// labels want satisfy done, or 10 seconds pass, and returns the last ones
// found. The provider pushes after writes at most once a push_interval
// (1s by default), and a test's in-process provider never stops, so its
// last writes arrive up to an interval after the apply ended.
func Await(t testing.TB, url, name string, want map[string]string, done func([]*dto.Metric) bool) []*dto.Metric {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := Find(Families(t, url), name, want)
		if done(got) || time.Now().After(deadline) {
			return got
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// AtLeast is an Await condition: n metrics or more.
func AtLeast(n int) func([]*dto.Metric) bool {
	return func(ms []*dto.Metric) bool { return len(ms) >= n }
}
