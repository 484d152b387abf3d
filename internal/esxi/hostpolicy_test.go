package esxi_test

import (
	"strings"
	"testing"

	"github.com/esxi-commander/terraform-provider-ceso/internal/esxi"
)

func TestPlainHTTPOnlyOnLoopback(t *testing.T) {
	t.Parallel()
	for host, ok := range map[string]bool{
		"http://127.0.0.1:8989/sdk": true, "http://localhost/sdk": true, "http://[::1]:80/sdk": true,
		"http://esxi01.example.com/sdk": false, "http://198.51.100.7": false, "https://esxi01.example.com": true,
	} {
		_, err := esxi.ParseHost(host)
		if ok != (err == nil) {
			t.Errorf("ParseHost(%q) = %v, want ok %v", host, err, ok)
		}
		if err != nil && !strings.Contains(err.Error(), "Plain HTTP Refused") {
			t.Errorf("ParseHost(%q) = %v, want Plain HTTP Refused", host, err)
		}
	}
}

func TestApplyHostPolicy(t *testing.T) {
	t.Parallel()
	const tp = "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01"
	allow := esxi.HostPolicy{AllowInsecure: true, Source: "system policy file /etc/ceso/policy.json",
		Allowed: []esxi.AllowedHost{{Host: "esxi01.example.com", Thumbprint: strings.ToLower(tp)}, {Host: "https://esxi02.example.com:8443/sdk"}}}
	tests := []struct {
		name, host     string
		insecure       bool
		policy         esxi.HostPolicy
		wantField      string
		wantSummary    string
		wantThumbprint string
	}{
		{name: "listed, pinned", host: "ESXI01.example.com", insecure: true, policy: allow, wantThumbprint: tp},
		{name: "listed with port", host: "esxi02.example.com:8443", policy: allow},
		{name: "listed name, other port", host: "esxi02.example.com", policy: allow, wantField: "host", wantSummary: "Host Not Allowed"},
		{name: "unlisted", host: "rogue.example.com", policy: allow, wantField: "host", wantSummary: "Host Not Allowed"},
		{name: "no list allows any", host: "rogue.example.com", policy: esxi.HostPolicy{AllowInsecure: true}},
		{name: "insecure refused", host: "esxi01.example.com", insecure: true, policy: esxi.HostPolicy{Source: "p"},
			wantField: "insecure", wantSummary: "Insecure Connections Not Allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := esxi.Config{Host: tt.host, Insecure: tt.insecure, Thumbprint: "00:11"}
			err := c.ApplyHostPolicy(tt.policy)
			if tt.wantField == "" {
				if err != nil {
					t.Fatal(err)
				}
				if tt.wantThumbprint != "" && c.Thumbprint != tt.wantThumbprint {
					t.Errorf("thumbprint = %q, want the policy's %q", c.Thumbprint, tt.wantThumbprint)
				}
				return
			}
			fe, ok := esxi.AsFieldError(err)
			if !ok || fe.Field != tt.wantField || fe.Summary != tt.wantSummary {
				t.Fatalf("error = %v, want %s on %s", err, tt.wantSummary, tt.wantField)
			}
			if tt.wantSummary == "Host Not Allowed" && !strings.Contains(fe.Detail, "no credentials") {
				t.Errorf("detail %q does not say nothing was sent", fe.Detail)
			}
		})
	}
}
