package esxi_test

import (
	"testing"

	"github.com/esxi-commander/terraform-provider-ceso/internal/esxi"
	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
)

// startHost runs a simulated host for one test and stops it afterwards.
func startHost(t testing.TB, opts simhost.Options) *simhost.Host {
	t.Helper()
	h, err := simhost.Start(opts)
	if err != nil {
		t.Fatalf("start simulator: %v", err)
	}
	t.Cleanup(h.Close)
	return h
}

// configFor returns a Config that reaches h.
func configFor(h *simhost.Host) esxi.Config {
	return esxi.Config{Host: h.URL.String(), Username: h.Username, Password: h.Password, Insecure: true}
}
