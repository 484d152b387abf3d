package vm_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/esxi"
	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
	"github.com/esxi-commander/terraform-provider-ceso/internal/vm"
)

// env is one simulated endpoint with a Manager on it.
type env struct {
	t    testing.TB
	host *simhost.Host
	c    *esxi.Client
	m    *vm.Manager
	ctx  context.Context
}

func newEnv(t testing.TB, opts simhost.Options) *env {
	t.Helper()
	h, err := simhost.Start(opts)
	if err != nil {
		t.Fatalf("start simulator: %v", err)
	}
	t.Cleanup(h.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	c, err := esxi.Connect(ctx, esxi.Config{Host: h.URL.String(), Username: h.Username, Password: h.Password,
		Insecure: true, MaxSessions: 10})
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	m := vm.New(c)
	return &env{t: t, host: h, c: c, m: m, ctx: ctx}
}

func (e *env) create(spec vm.Spec, opts vm.Options) *vm.VMState {
	e.t.Helper()
	res, err := e.m.Create(e.ctx, spec, opts)
	if err != nil {
		e.t.Fatalf("create %s: %v", spec.Name, err)
	}
	if res.State == nil || res.State.UUID == "" {
		e.t.Fatalf("create %s returned no state", spec.Name)
	}
	return res.State
}

func (e *env) read(uuid string) *vm.VMState {
	e.t.Helper()
	st, err := e.m.Read(e.ctx, uuid, vm.ReadOptions{})
	if err != nil {
		e.t.Fatalf("read %s: %v", uuid, err)
	}
	return st
}

// files lists the datastore files whose path contains sub.
func (e *env) files(sub string) []string {
	e.t.Helper()
	all, err := e.host.Files()
	if err != nil {
		e.t.Fatal(err)
	}
	var out []string
	for _, f := range all {
		if strings.Contains(f, sub) {
			out = append(out, f)
		}
	}
	return out
}

func (e *env) vmNames() []string {
	e.t.Helper()
	c, err := e.host.Client(e.ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	defer func() { _ = c.Logout(e.ctx) }()
	names, err := simhost.ListVMNames(e.ctx, c.Client)
	if err != nil {
		e.t.Fatal(err)
	}
	return names
}

func (e *env) count(name string) int {
	n := 0
	for _, v := range e.vmNames() {
		if v == name {
			n++
		}
	}
	return n
}

// guest plays the guest's part: it sets extra config keys the simulator
// turns into guest facts (SET.guest.ipAddress, SET.guest.toolsRunningStatus).
func (e *env) guest(uuid string, kv ...string) {
	e.t.Helper()
	if err := e.guestErr(uuid, kv...); err != nil {
		e.t.Fatal(err)
	}
}

// guestErr is guest for other goroutines than the test's.
func (e *env) guestErr(uuid string, kv ...string) error {
	c, err := e.host.Client(e.ctx)
	if err != nil {
		return err
	}
	defer func() { _ = c.Logout(e.ctx) }()
	f := find.NewFinder(c.Client, true)
	dc, err := f.DefaultDatacenter(e.ctx)
	if err != nil {
		return err
	}
	ref, err := object.NewSearchIndex(c.Client).FindByUuid(e.ctx, dc, uuid, true, types.NewBool(true))
	if err != nil || ref == nil {
		return fmt.Errorf("find %s: %w", uuid, err)
	}
	var spec types.VirtualMachineConfigSpec
	for i := 0; i+1 < len(kv); i += 2 {
		spec.ExtraConfig = append(spec.ExtraConfig, &types.OptionValue{Key: kv[i], Value: kv[i+1]})
	}
	task, err := object.NewVirtualMachine(c.Client, ref.Reference()).Reconfigure(e.ctx, spec)
	if err == nil {
		err = task.Wait(e.ctx)
	}
	if err != nil {
		return fmt.Errorf("guest reconfigure: %w", err)
	}
	// The change did not come through the provider: drop its shared read
	// as a refresh after the guest's change would find it.
	e.c.Inventory.Invalidate()
	return nil
}

// failNth makes the nth call (1-based) of method fail with fault; it
// returns a counter of the calls seen.
func (e *env) failNth(method string, n int64, fault types.BaseMethodFault) *atomic.Int64 {
	var seen atomic.Int64
	e.host.AddHook(func(_ *simulator.Context, m *simulator.Method) types.BaseMethodFault {
		if m.Name != method {
			return nil
		}
		if seen.Add(1) == n {
			return fault
		}
		return nil
	})
	return &seen
}

func boolp(b bool) *bool { return &b }
