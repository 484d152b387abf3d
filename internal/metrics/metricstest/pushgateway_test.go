package metricstest

import (
	"errors"
	"testing"
)

func TestLocate(t *testing.T) {
	t.Parallel()
	absent := func(string) bool { return false }
	present := func(p string) bool { return p == Binary }
	notOnPath := func(string) (string, error) { return "", errors.New("not found") }
	onPath := func(string) (string, error) { return "/opt/bin/prometheus-pushgateway", nil }
	tests := []struct {
		name                 string
		ci                   string
		exists               func(string) bool
		lookPath             func(string) (string, error)
		wantBin              string
		wantSkip, wantFailed bool
	}{
		{name: "installed", exists: present, lookPath: notOnPath, wantBin: Binary},
		{name: "installed under CI", ci: "true", exists: present, lookPath: notOnPath, wantBin: Binary},
		{name: "on PATH", exists: absent, lookPath: onPath, wantBin: "/opt/bin/prometheus-pushgateway"},
		{name: "absent locally skips", exists: absent, lookPath: notOnPath, wantSkip: true},
		{name: "absent under CI fails", ci: "true", exists: absent, lookPath: notOnPath, wantFailed: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			bin, skip, fail := locate(tt.ci, tt.exists, tt.lookPath)
			if bin != tt.wantBin || (skip != "") != tt.wantSkip || (fail != "") != tt.wantFailed {
				t.Errorf("locate = %q, skip %q, fail %q", bin, skip, fail)
			}
		})
	}
}
