package testtool

import (
	"errors"
	"testing"
)

func TestLocate(t *testing.T) {
	t.Parallel()
	p := Program{Path: "/usr/bin/cloud-init", Package: "cloud-init"}
	absent := func(string) bool { return false }
	present := func(path string) bool { return path == p.Path }
	notOnPath := func(string) (string, error) { return "", errors.New("not found") }
	onPath := func(name string) (string, error) {
		if name != "cloud-init" {
			return "", errors.New("looked up " + name)
		}
		return "/usr/local/bin/cloud-init", nil
	}
	tests := []struct {
		name                 string
		ci                   string
		exists               func(string) bool
		lookPath             func(string) (string, error)
		wantBin              string
		wantSkip, wantFailed bool
	}{
		{name: "installed", exists: present, lookPath: notOnPath, wantBin: p.Path},
		{name: "installed under CI", ci: "true", exists: present, lookPath: notOnPath, wantBin: p.Path},
		{name: "on PATH by its base name", exists: absent, lookPath: onPath, wantBin: "/usr/local/bin/cloud-init"},
		{name: "absent locally skips", exists: absent, lookPath: notOnPath, wantSkip: true},
		{name: "absent under CI fails", ci: "true", exists: absent, lookPath: notOnPath, wantFailed: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			bin, skip, fail := p.Locate(tt.ci, tt.exists, tt.lookPath)
			if bin != tt.wantBin || (skip != "") != tt.wantSkip || (fail != "") != tt.wantFailed {
				t.Errorf("Locate = %q, skip %q, fail %q", bin, skip, fail)
			}
		})
	}
}
