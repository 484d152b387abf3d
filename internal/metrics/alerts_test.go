package metrics_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/esxi-commander/terraform-provider-ceso/internal/testtool"
)

// promtool is Prometheus's rule checker, from Debian's prometheus package
// (make test installs it).
var promtool = testtool.Program{Path: "/usr/bin/promtool", Package: "prometheus"}

const (
	alertRules = "prometheus-alerts.yml"
	alertTests = "prometheus-alerts.test.yml"
)

// TestAlertRulesPromtool checks the shipped alert rules and runs their unit
// tests with the real promtool: the rules parse, and each fires (or stays
// quiet) on the series its tests give.
func TestAlertRulesPromtool(t *testing.T) {
	t.Parallel()
	bin := testtool.Require(t, promtool)
	for _, args := range [][]string{{"check", "rules", alertRules}, {"test", "rules", alertTests}} {
		cmd := exec.CommandContext(context.Background(), bin, args...) //nolint:gosec // G204: the real promtool on the shipped files
		cmd.Dir = monitoringDir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("promtool %v: %v\n%s", args, err, out)
		}
	}
}

// TestEveryAlertIsTested checks that every alert of the shipped rules has a
// test case in which it fires: a rule without one could never fire and no
// test would say so.
func TestEveryAlertIsTested(t *testing.T) {
	t.Parallel()
	var rules struct {
		Groups []struct {
			Rules []struct {
				Alert string `yaml:"alert"`
			} `yaml:"rules"`
		} `yaml:"groups"`
	}
	var tests struct {
		Tests []struct {
			AlertRuleTest []struct {
				Alertname string           `yaml:"alertname"`
				ExpAlerts []map[string]any `yaml:"exp_alerts"`
			} `yaml:"alert_rule_test"`
		} `yaml:"tests"`
	}
	read := func(name string, into any) {
		b, err := os.ReadFile(filepath.Join(monitoringDir, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := yaml.Unmarshal(b, into); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	read(alertRules, &rules)
	read(alertTests, &tests)
	fires := map[string]bool{}
	for _, tc := range tests.Tests {
		for _, a := range tc.AlertRuleTest {
			if len(a.ExpAlerts) > 0 {
				fires[a.Alertname] = true
			}
		}
	}
	var alerts, untested []string
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			if r.Alert == "" {
				continue
			}
			alerts = append(alerts, r.Alert)
			if !fires[r.Alert] {
				untested = append(untested, r.Alert)
			}
		}
	}
	sort.Strings(untested)
	if len(alerts) == 0 {
		t.Fatalf("%s holds no alert", alertRules)
	}
	if len(untested) > 0 {
		t.Errorf("alerts of %s that no test in %s expects to fire: %v", alertRules, alertTests, untested)
	}
}
