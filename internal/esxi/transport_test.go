package esxi_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/vmware/govmomi/vim25/soap"

	"github.com/esxi-commander/terraform-provider-ceso/internal/esxi"
	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
)

func TestAPITimeoutNamesTheMethod(t *testing.T) {
	t.Parallel()
	h := startHost(t, simhost.Options{})
	// govmomi's Collector.RetrieveProperties sends RetrievePropertiesEx.
	h.Model.DelayConfig.MethodDelay = map[string]int{"RetrievePropertiesEx": 500}
	h.ResetMethods() // its lock orders the map write before the server reads it
	cfg := configFor(h)
	cfg.APITimeout = 100 * time.Millisecond
	p := newPool(t, cfg)
	inv := esxi.NewInventory(p)

	start := time.Now()
	_, err := inv.Get(context.Background())
	took := time.Since(start)
	var e *esxi.Error
	if !errors.As(err, &e) || e.Kind != esxi.KindTimeout {
		t.Fatalf("error = %v (%T), want an *esxi.Error of kind %s", err, err, esxi.KindTimeout)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error does not wrap context.DeadlineExceeded: %v", err)
	}
	for _, want := range []string{"RetrievePropertiesEx", "api_timeout (100ms)", "raise api_timeout"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	if took > 400*time.Millisecond {
		t.Errorf("the call gave up after %s, want about the 100ms api_timeout", took)
	}
	if st := p.Stats(); st.InUse != 0 || st.Created != 1 {
		t.Errorf("stats = %+v, want the one session returned", st)
	}
}

func TestReloginRepeatsTheCallThatFailed(t *testing.T) {
	t.Parallel()
	h := startHost(t, simhost.Options{VMs: 2})
	a := newAdmin(t, h)
	cfg := configFor(h)
	cfg.HealthCheckAfter = time.Hour
	c, err := esxi.Connect(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(context.Background())
	a.terminateOthers()

	snap, err := c.Inventory.Get(context.Background())
	if err != nil {
		t.Fatalf("inventory after the host dropped the session: %v", err)
	}
	if len(snap.VMs) != 3 {
		t.Errorf("inventory has %d VMs, want 3", len(snap.VMs))
	}
	if st := c.Pool.Stats(); st.Relogins != 1 || st.Created != 1 {
		t.Errorf("stats = %+v, want one re-login", st)
	}
	m := c.Pool.Counter().Methods()
	if m["CreateContainerView"] != 2 || m["Login"] != 2 {
		t.Errorf("calls %s: want CreateContainerView twice (failed, repeated) and 2 logins", c.Pool.Counter())
	}
}

func TestTLSVerification(t *testing.T) {
	t.Parallel()
	h := startHost(t, simhost.Options{TLS: true})
	sha256 := h.Thumbprint()
	if sha256 == "" {
		t.Fatal("simulator serves no certificate")
	}
	sha1 := strings.ToLower(strings.ReplaceAll(soap.ThumbprintSHA1(h.Server.Certificate()), ":", ""))
	wrong := strings.Repeat("AB:", 31) + "AB"
	ctx := context.Background()

	for _, tc := range []struct {
		name       string
		insecure   bool
		thumbprint string
		refused    []string // what the error says; nil when the connection must work
	}{
		{name: "untrusted", refused: []string{"Untrusted host certificate", sha256, "tls_thumbprint", "insecure = true"}},
		{name: "wrong thumbprint", thumbprint: wrong, refused: []string{"does not match", sha256}},
		{name: "pinned sha256", thumbprint: sha256},
		{name: "pinned sha1", thumbprint: sha1},
		{name: "insecure", insecure: true},
	} {
		t.Run(tc.name, func(t *testing.T) { // sequential: they share the host's method log
			h.ResetMethods()
			cfg := configFor(h)
			cfg.Insecure, cfg.Thumbprint = tc.insecure, tc.thumbprint
			c, err := esxi.Connect(ctx, cfg)
			if tc.refused == nil {
				if err != nil {
					t.Fatalf("connect: %v", err)
				}
				c.Close(ctx)
				if n := h.CountMethod("Login"); n != 1 {
					t.Errorf("host served %d Login calls, want 1", n)
				}
				return
			}
			if err == nil {
				c.Close(ctx)
				t.Fatal("connect succeeded")
			}
			fe, ok := esxi.AsFieldError(err)
			if !ok || fe.Field != "tls_thumbprint" {
				t.Fatalf("error = %v (%T), want a FieldError on tls_thumbprint", err, err)
			}
			for _, want := range tc.refused {
				if !strings.Contains(fe.Error(), want) {
					t.Errorf("error %q does not mention %q", fe.Error(), want)
				}
			}
			if m := h.Methods(); len(m) != 0 {
				t.Errorf("host served %v to an untrusted connection; the credentials must never be sent", m)
			}
		})
	}
}
