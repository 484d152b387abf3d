package esxi_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/property"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/esxi"
	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
)

// A task wait after the host ended the session works: the pool logs in
// again, and the wait does not use the property collector that ended with
// the old session.
func TestWaitTaskAfterTheHostEndedTheSession(t *testing.T) {
	t.Parallel()
	h := startHost(t, simhost.Options{})
	a := newAdmin(t, h)
	cfg := configFor(h)
	cfg.HealthCheckAfter = time.Hour
	p := newPool(t, cfg)
	ctx := context.Background()
	reconfigure := func(ctx context.Context, s *esxi.Session) error {
		vm, err := find.NewFinder(s.Client, true).VirtualMachine(ctx, "/ha-datacenter/vm/"+simhost.TemplateName)
		if err != nil {
			return err
		}
		task, err := vm.Reconfigure(ctx, types.VirtualMachineConfigSpec{Annotation: "chaos"})
		_, err = esxi.WaitTask(ctx, "reconfigure", task, err)
		return err
	}
	if err := p.WithSession(ctx, reconfigure); err != nil {
		t.Fatal(err)
	}
	a.terminateOthers()
	if err := p.WithSession(ctx, reconfigure); err != nil {
		t.Fatalf("task wait after the session ended: %v (methods %v)", err, h.Methods())
	}
	if st := p.Stats(); st.Relogins != 1 {
		t.Errorf("stats = %+v, want one re-login", st)
	}
}

// A property read after the host ended the session logs in again: the host
// answers it without the session, each property NotAuthenticated in
// MissingSet, rather than failing the call.
func TestPropertyReadAfterTheHostEndedTheSession(t *testing.T) {
	t.Parallel()
	h := startHost(t, simhost.Options{})
	a := newAdmin(t, h)
	cfg := configFor(h)
	cfg.HealthCheckAfter = time.Hour
	p := newPool(t, cfg)
	ctx := context.Background()
	read := func(ctx context.Context, s *esxi.Session) error {
		var f mo.Folder
		return property.DefaultCollector(s.Client).RetrieveOne(ctx, s.Client.ServiceContent.RootFolder, []string{"name"}, &f)
	}
	if err := p.WithSession(ctx, read); err != nil {
		t.Fatal(err)
	}
	a.terminateOthers()
	if err := p.WithSession(ctx, read); err != nil {
		t.Fatalf("property read after the session ended: %v", err)
	}
	if st := p.Stats(); st.Relogins != 1 {
		t.Errorf("stats = %+v, want one re-login", st)
	}
}

// A task wait is bounded: the host may hold each WaitForUpdatesEx for
// api_timeout (MaxWaitSeconds), and one it does not answer in that time
// plus api_timeout (a stalled connection, here a host that sits on the
// call) fails as a timeout naming the operation, instead of waiting for
// the operation's own, much longer, timeout.
func TestTaskWaitIsBounded(t *testing.T) {
	t.Parallel()
	h := startHost(t, simhost.Options{})
	cfg := configFor(h)
	cfg.APITimeout = time.Second
	p := newPool(t, cfg)
	// The host sits on every wait for 4 s; the provider gives each 2 s.
	h.Model.DelayConfig.MethodDelay = map[string]int{"WaitForUpdatesEx": 4000}
	err := p.WithSession(context.Background(), func(ctx context.Context, s *esxi.Session) error {
		vm, err := find.NewFinder(s.Client, true).VirtualMachine(ctx, "/ha-datacenter/vm/"+simhost.TemplateName)
		if err != nil {
			return err
		}
		task, err := vm.Reconfigure(ctx, types.VirtualMachineConfigSpec{Annotation: "bounded"})
		_, err = esxi.WaitTask(ctx, "reconfigure the template", task, err)
		return err
	})
	if esxi.KindOf(err) != esxi.KindTimeout || !strings.Contains(err.Error(), "reconfigure the template: WaitForUpdatesEx: no answer within api_timeout (1s)") {
		t.Fatalf("wait = %v (kind %s), want a timeout naming the operation and the call", err, esxi.KindOf(err))
	}
}
