package backup_test

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
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/backup"
	"github.com/esxi-commander/terraform-provider-ceso/internal/esxi"
	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
	"github.com/esxi-commander/terraform-provider-ceso/internal/vm"
)

const dest = "[LocalDS_0] backups"

// env is one simulated host with a backup Manager and a VM Manager on it.
type env struct {
	t    testing.TB
	host *simhost.Host
	c    *esxi.Client
	b    *backup.Manager
	vms  *vm.Manager
	ctx  context.Context
}

func newEnv(t testing.TB, opts simhost.Options) *env {
	t.Helper()
	h, err := simhost.Start(opts)
	if err != nil {
		t.Fatalf("start simulator: %v", err)
	}
	t.Cleanup(h.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	t.Cleanup(cancel)
	c, err := esxi.Connect(ctx, esxi.Config{Host: h.URL.String(), Username: h.Username, Password: h.Password, Insecure: true, MaxSessions: 10})
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	return &env{t: t, host: h, c: c, b: backup.New(c, "test"), vms: vm.New(c), ctx: ctx}
}

// makeVM creates a VM from the template with disks disks in all (the
// template's and 1 GiB thin ones), powered as asked.
func (e *env) makeVM(name string, disks int, power string) *vm.VMState {
	e.t.Helper()
	spec := vm.Spec{Name: name, Template: simhost.TemplateName, Power: power}
	if disks > 1 {
		spec.Disks = []vm.Disk{{UnitNumber: -1}}
		for i := 1; i < disks; i++ {
			spec.Disks = append(spec.Disks, vm.Disk{SizeGiB: 1, UnitNumber: -1})
		}
	}
	res, err := e.vms.Create(e.ctx, spec, vm.Options{})
	if err != nil {
		e.t.Fatalf("create VM %s: %v", name, err)
	}
	return res.State
}

func (e *env) backup(spec backup.Spec) *backup.Result {
	e.t.Helper()
	res, err := e.b.Backup(e.ctx, spec)
	if err != nil {
		e.t.Fatalf("backup: %v", err)
	}
	if !res.Manifest.Good() {
		e.t.Fatalf("backup returned status %q", res.Manifest.Status)
	}
	return res
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

// inspect reads a VM straight from the host.
func (e *env) inspect(name string) mo.VirtualMachine {
	e.t.Helper()
	c, err := e.host.Client(e.ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	defer func() { _ = c.Logout(e.ctx) }()
	f := find.NewFinder(c.Client, true)
	dc, err := f.DefaultDatacenter(e.ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	v, err := f.SetDatacenter(dc).VirtualMachine(e.ctx, name)
	if err != nil {
		e.t.Fatal(err)
	}
	var o mo.VirtualMachine
	if err := v.Properties(e.ctx, v.Reference(), []string{"name", "config", "snapshot", "runtime"}, &o); err != nil {
		e.t.Fatal(err)
	}
	return o
}

// snapshots returns the names of a VM's snapshots.
func (e *env) snapshots(name string) []string {
	o := e.inspect(name)
	var out []string
	if o.Snapshot == nil {
		return nil
	}
	var walk func([]types.VirtualMachineSnapshotTree)
	walk = func(ts []types.VirtualMachineSnapshotTree) {
		for _, t := range ts {
			out = append(out, t.Name)
			walk(t.ChildSnapshotList)
		}
	}
	walk(o.Snapshot.RootSnapshotList)
	return out
}

// act runs fn on a VM with a separate client, as someone else would.
func (e *env) act(name string, fn func(ctx context.Context, v *object.VirtualMachine) (*object.Task, error)) error {
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
	v, err := f.SetDatacenter(dc).VirtualMachine(e.ctx, name)
	if err != nil {
		return err
	}
	task, err := fn(e.ctx, v)
	if err == nil && task != nil {
		err = task.Wait(e.ctx)
	}
	e.c.Inventory.Invalidate()
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

// failNth makes the nth call (1-based) of method fail with fault.
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

func (e *env) list(f backup.Filter) []backup.Entry {
	e.t.Helper()
	out, err := e.b.List(e.ctx, dest, f)
	if err != nil {
		e.t.Fatalf("list: %v", err)
	}
	return out
}

func statuses(es []backup.Entry) []string {
	out := make([]string, 0, len(es))
	for _, e := range es {
		out = append(out, e.VMName+":"+e.Status)
	}
	return out
}
