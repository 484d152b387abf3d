package snapshot_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/property"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/esxi"
	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
	"github.com/esxi-commander/terraform-provider-ceso/internal/snapshot"
	"github.com/esxi-commander/terraform-provider-ceso/internal/vm"
)

type env struct {
	t    *testing.T
	host *simhost.Host
	c    *esxi.Client
	s    *snapshot.Manager
	ctx  context.Context
	vm   *vm.VMState
}

func newEnv(t *testing.T, opts simhost.Options) *env {
	t.Helper()
	h, err := simhost.Start(opts)
	if err != nil {
		t.Fatalf("start simulator: %v", err)
	}
	t.Cleanup(h.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	c, err := esxi.Connect(ctx, esxi.Config{Host: h.URL.String(), Username: h.Username, Password: h.Password, Insecure: true, MaxSessions: 4})
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	res, err := vm.New(c).Create(ctx, vm.Spec{Name: "snap-01", Template: simhost.TemplateName, Power: "on"}, vm.Options{})
	if err != nil {
		t.Fatalf("create VM: %v", err)
	}
	return &env{t: t, host: h, c: c, s: snapshot.New(c), ctx: ctx, vm: res.State}
}

// tree reads the VM's snapshot info straight from the host.
func (e *env) tree() *types.VirtualMachineSnapshotInfo {
	e.t.Helper()
	gc, err := e.host.Client(e.ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	defer func() { _ = gc.Logout(e.ctx) }()
	var o mo.VirtualMachine
	ref := types.ManagedObjectReference{Type: "VirtualMachine", Value: e.vm.MOID}
	if err := property.DefaultCollector(gc.Client).RetrieveOne(e.ctx, ref, []string{"snapshot"}, &o); err != nil {
		e.t.Fatal(err)
	}
	return o.Snapshot
}

// power reads the VM's power state straight from the host.
func (e *env) power() types.VirtualMachinePowerState {
	e.t.Helper()
	gc, err := e.host.Client(e.ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	defer func() { _ = gc.Logout(e.ctx) }()
	var o mo.VirtualMachine
	ref := types.ManagedObjectReference{Type: "VirtualMachine", Value: e.vm.MOID}
	if err := property.DefaultCollector(gc.Client).RetrieveOne(e.ctx, ref, []string{"runtime.powerState"}, &o); err != nil {
		e.t.Fatal(err)
	}
	return o.Runtime.PowerState
}

func (e *env) create(name, desc string) *snapshot.State {
	e.t.Helper()
	res, err := e.s.Create(e.ctx, snapshot.Spec{VM: e.vm.UUID, Name: name, Description: desc})
	if err != nil {
		e.t.Fatalf("create %s: %v", name, err)
	}
	return res.State
}

func TestLifecycle(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simhost.Options{})
	a := e.create("before-upgrade", "pre 2.0")
	b := e.create("before-upgrade", "second, same name")
	if a.ID == b.ID || a.Ref == b.Ref {
		t.Fatalf("two snapshots share an identity: %+v %+v", a, b)
	}
	if !b.Current || b.ParentID != a.ID {
		t.Errorf("second snapshot: want current child of %d, got %+v", a.ID, b.Node)
	}
	nodes := snapshot.Flatten(e.tree())
	if diff := cmp.Diff([]string{"before-upgrade", "before-upgrade"}, []string{nodes[0].Name, nodes[1].Name}); diff != "" {
		t.Errorf("tree on host (-want +got):\n%s", diff)
	}

	// A name matching two snapshots cannot be imported; an id can.
	if _, err := e.s.Find(e.ctx, e.vm.UUID+"/before-upgrade"); err == nil {
		t.Error("import by an ambiguous name succeeded")
	}
	got, err := e.s.Find(e.ctx, "snap-01/"+fmt.Sprint(a.ID))
	if err != nil || got.Ref != a.Ref {
		t.Fatalf("import by VM name and id: %+v, %v", got, err)
	}

	if err := e.s.Rename(e.ctx, e.vm.UUID, a.ID, "", "pre 2.0, checked"); err != nil {
		t.Fatalf("rename: %v", err)
	}
	if n := snapshot.Flatten(e.tree())[0]; n.Description != "pre 2.0, checked" || n.Name != "before-upgrade" {
		t.Errorf("after rename the host has %q / %q", n.Name, n.Description)
	}

	if err := e.s.Revert(e.ctx, e.vm.UUID, a.ID); err != nil {
		t.Fatalf("revert: %v", err)
	}
	if cur := e.tree().CurrentSnapshot; cur == nil || cur.Value != a.Ref {
		t.Errorf("after revert the current snapshot is %v, want %s", cur, a.Ref)
	}
	if p := e.power(); p != types.VirtualMachinePowerStatePoweredOff {
		t.Errorf("after a revert to a snapshot without memory the VM is %s, want powered off", p)
	}
	withMemory, err := e.s.Create(e.ctx, snapshot.Spec{VM: e.vm.UUID, Name: "running", Memory: true})
	if err != nil {
		t.Fatal(err)
	}
	if withMemory.State.Memory() || len(withMemory.Warnings) != 1 {
		t.Errorf("a memory snapshot of a powered-off VM: %+v, warnings %v; want no memory and a warning", withMemory.State, withMemory.Warnings)
	}
	if err := e.s.Delete(e.ctx, e.vm.UUID, withMemory.State.ID); err != nil {
		t.Fatal(err)
	}

	// Removing the parent keeps the child.
	if err := e.s.Delete(e.ctx, e.vm.UUID, a.ID); err != nil {
		t.Fatalf("delete: %v", err)
	}
	nodes = snapshot.Flatten(e.tree())
	if len(nodes) != 1 || nodes[0].ID != b.ID {
		t.Fatalf("after removing the parent the host has %+v, want only %d", nodes, b.ID)
	}
	if _, err := e.s.Read(e.ctx, e.vm.UUID, a.ID); !snapshot.IsNotFound(err) {
		t.Errorf("read of a removed snapshot: %v, want not found", err)
	}
	if err := e.s.Delete(e.ctx, e.vm.UUID, a.ID); err != nil {
		t.Errorf("deleting a snapshot that is gone: %v", err)
	}
}

// A host that leaves the disks needing consolidation after the removal
// gets a ConsolidateVMDisks call, and the flag is clear afterwards.
func TestDeleteConsolidates(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simhost.Options{})
	s := e.create("tmp", "")
	e.host.AddHook(simhost.NeedConsolidation)
	e.host.ResetMethods()
	if err := e.s.Delete(e.ctx, e.vm.UUID, s.ID); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if n := e.host.CountMethod("ConsolidateVMDisks_Task"); n != 1 {
		t.Errorf("ConsolidateVMDisks_Task called %d times, want 1", n)
	}
	gc, err := e.host.Client(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = gc.Logout(e.ctx) }()
	var o mo.VirtualMachine
	vmo := object.NewVirtualMachine(gc.Client, types.ManagedObjectReference{Type: "VirtualMachine", Value: e.vm.MOID})
	if err := vmo.Properties(e.ctx, vmo.Reference(), []string{"runtime.consolidationNeeded", "snapshot"}, &o); err != nil {
		t.Fatal(err)
	}
	if o.Runtime.ConsolidationNeeded || o.Snapshot != nil {
		t.Errorf("after delete: consolidationNeeded=%v snapshot=%v", o.Runtime.ConsolidationNeeded, o.Snapshot)
	}
}

func TestCreateRefusesTemplateAndMissingVM(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simhost.Options{})
	_, err := e.s.Create(e.ctx, snapshot.Spec{VM: "00000000-0000-0000-0000-000000000000", Name: "x"})
	if fe, ok := snapshot.AsFieldError(err); !ok || fe.Field != "vm" {
		t.Errorf("missing VM: %v, want a field error on vm", err)
	}
	if _, err := e.s.Find(e.ctx, "no-slash"); err == nil {
		t.Error("import id without a slash accepted")
	}
	// Quiesce without Tools warns and records a crash-consistent snapshot.
	res, err := e.s.Create(e.ctx, snapshot.Spec{VM: e.vm.UUID, Name: "q", Quiesce: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.State.Quiesced || len(res.Warnings) != 1 {
		t.Errorf("quiesce without Tools: quiesced=%v warnings=%v", res.State.Quiesced, res.Warnings)
	}
}
