package metrics_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"go.yaml.in/yaml/v3"

	"github.com/esxi-commander/terraform-provider-ceso/internal/metrics"
)

// monitoringDir holds the Grafana dashboard and the Prometheus rules.
const monitoringDir = "../../examples/monitoring"

var (
	// cesoName is a metric name of ours in a PromQL expression or series.
	cesoName = regexp.MustCompile(`\bceso_[a-zA-Z0-9_:]+`)
	// quoted is a PromQL string (a label value such as resource="ceso_vm").
	quoted = regexp.MustCompile(`"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|` + "`[^`]*`")
)

// TestMonitoringReferencesExistingMetrics checks that every ceso_* metric
// the dashboard, the alert rules and their tests query is one the provider
// exports (metrics.Names()), or a histogram's _bucket, _sum or _count series.
// A renamed metric would otherwise leave an empty panel or a silent alert.
func TestMonitoringReferencesExistingMetrics(t *testing.T) {
	t.Parallel()
	known := exportedSeries(t)

	files, err := filepath.Glob(filepath.Join(monitoringDir, "*"))
	if err != nil {
		t.Fatal(err)
	}
	var checked int
	for _, file := range files {
		var exprs []string
		switch {
		case strings.HasSuffix(file, ".json"):
			exprs = dashboardExprs(t, file)
		case strings.HasSuffix(file, ".yml"), strings.HasSuffix(file, ".yaml"):
			exprs = ruleFileExprs(t, file)
		default:
			continue
		}
		if len(exprs) == 0 {
			t.Errorf("%s: no PromQL expression found", file)
		}
		for _, e := range exprs {
			for _, name := range cesoName.FindAllString(quoted.ReplaceAllString(e, `""`), -1) {
				checked++
				if !known[name] {
					t.Errorf("%s references %s, which ceso does not export (metrics.Names(): %s), in:\n%s",
						filepath.Base(file), name, strings.Join(metrics.Names(), ", "), e)
				}
			}
		}
	}
	if checked == 0 {
		t.Fatalf("no ceso_* metric referenced in %s", monitoringDir)
	}
}

// exportedSeries is every series name a Prometheus server can see for the
// metrics in metrics.Names(): the name itself, and for histograms the
// _bucket, _sum and _count series. Types come from the registry itself.
func exportedSeries(t *testing.T) map[string]bool {
	t.Helper()
	m, err := metrics.New(metrics.Config{URL: "http://127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	exercise(m)
	fams, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{}
	var gathered []string
	for _, f := range fams {
		gathered = append(gathered, f.GetName())
		known[f.GetName()] = true
		if f.GetType() == dto.MetricType_HISTOGRAM {
			for _, suffix := range []string{"_bucket", "_sum", "_count"} {
				known[f.GetName()+suffix] = true
			}
		}
	}
	names := slices.Clone(metrics.Names())
	sort.Strings(names)
	sort.Strings(gathered)
	if !slices.Equal(names, gathered) {
		t.Fatalf("exercise() does not cover metrics.Names(): gathered %v, want %v", gathered, names)
	}
	return known
}

// dashboardExprs returns every "expr" string in a Grafana dashboard, at any
// depth (panels, rows' panels, targets).
func dashboardExprs(t *testing.T, file string) []string {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var doc any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	var out []string
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				if s, ok := x.(string); ok && k == "expr" {
					out = append(out, s)
					continue
				}
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(doc)
	return out
}

// ruleFileExprs returns the expressions of a Prometheus rule file, and the
// input series and promql expressions of a promtool rule test file.
func ruleFileExprs(t *testing.T, file string) []string {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Groups []struct {
			Rules []struct {
				Expr string `yaml:"expr"`
			} `yaml:"rules"`
		} `yaml:"groups"`
		Tests []struct {
			InputSeries []struct {
				Series string `yaml:"series"`
			} `yaml:"input_series"`
			PromQLExprTest []struct {
				Expr string `yaml:"expr"`
			} `yaml:"promql_expr_test"`
		} `yaml:"tests"`
	}
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	var out []string
	for _, g := range doc.Groups {
		for _, r := range g.Rules {
			out = append(out, r.Expr)
		}
	}
	for _, tc := range doc.Tests {
		for _, s := range tc.InputSeries {
			out = append(out, s.Series)
		}
		for _, e := range tc.PromQLExprTest {
			out = append(out, e.Expr)
		}
	}
	return out
}
