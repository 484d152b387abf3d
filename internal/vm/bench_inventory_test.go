package vm_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/vmware/govmomi/simulator"

	"github.com/esxi-commander/terraform-provider-ceso/internal/esxi"
	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
	"github.com/esxi-commander/terraform-provider-ceso/internal/vm"
)

// BenchmarkCreateAmong creates 50 VMs (empty, and from a template) one by
// one on a host that already has 0 or 2,000 other VMs, and reports the
// SOAP round trips (fixedtrips/create leaves out the long polls of task
// waits) and the response bytes each create costs. Neither may grow with
// the inventory: a create reads the objects it names and the VM it made,
// never every VM. One untimed create first reads what any first create of a
// provider process reads once (the host's clock, the session's collector).
func BenchmarkCreateAmong(b *testing.B) {
	for _, others := range []int{0, 2000} {
		for _, kind := range []string{"empty", "template"} {
			b.Run(fmt.Sprintf("others=%d/%s", others, kind), func(b *testing.B) {
				if testing.Short() && others > 0 {
					b.Skip("the round-trip gate (-short) runs others=0 only: the counts are the same for 2,000")
				}
				// A long TTL: the read of everything but the VMs is taken
				// again every 10 s by default, which on a slow machine falls
				// within the run or not and would move the count.
				e := newEnvWith(b, simhost.Options{VMs: others}, time.Hour)
				// The simulator takes each VM's disk from the datastore's free
				// space (1 TB): 2,000 VMs leave it below zero, and the space
				// check would refuse every copy. Give the space back.
				for _, o := range e.host.Model.Map().All("Datastore") {
					if ds, ok := o.(*simulator.Datastore); ok {
						ds.Summary.FreeSpace = ds.Summary.Capacity
					}
				}
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
				defer cancel()
				e.ctx = ctx
				spec := func(name string) vm.Spec {
					s := vm.Spec{Name: name, Power: vm.PowerOff}
					if kind == "template" {
						s.Template = simhost.TemplateName
					}
					return s
				}
				if _, err := e.m.Create(e.ctx, spec("warm"), vm.Options{}); err != nil {
					b.Fatal(err)
				}
				const n = 50
				cnt := e.c.Pool.Counter()
				var trips, fixed, bytes int64
				b.ResetTimer()
				for i := range b.N {
					t0, f0, r0 := cnt.Total(), cnt.Fixed(), cnt.BytesRead()
					for j := range n {
						if _, err := e.m.Create(e.ctx, spec(fmt.Sprintf("c%d-%d", i, j)), vm.Options{}); err != nil {
							b.Fatal(err)
						}
					}
					trips += cnt.Total() - t0
					fixed += cnt.Fixed() - f0
					bytes += cnt.BytesRead() - r0
				}
				b.StopTimer()
				b.ReportMetric(float64(trips)/float64(b.N*n), "roundtrips/create")
				b.ReportMetric(float64(fixed)/float64(b.N*n), "fixedtrips/create")
				b.ReportMetric(float64(bytes)/float64(b.N*n), "bytes/create")
			})
		}
	}
}

// newEnvWith is newEnv with the inventory's TTL set.
func newEnvWith(t testing.TB, opts simhost.Options, ttl time.Duration) *env {
	t.Helper()
	h, err := simhost.Start(opts)
	if err != nil {
		t.Fatalf("start simulator: %v", err)
	}
	t.Cleanup(h.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	c, err := esxi.Connect(ctx, esxi.Config{Host: h.URL.String(), Username: h.Username, Password: h.Password,
		Insecure: true, MaxSessions: 10, InventoryTTL: ttl})
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	return &env{t: t, host: h, c: c, m: vm.New(c), ctx: ctx}
}

// TestCreateCalls lists the SOAP calls of one create of each kind (run
// with -v): the breakdown behind BenchmarkCreateAmong's counts.
func TestCreateCalls(t *testing.T) {
	e := newEnv(t, simhost.Options{})
	for _, tmpl := range []string{"", simhost.TemplateName} {
		for i := range 2 {
			before := e.c.Pool.Counter().Methods()
			if _, err := e.m.Create(e.ctx, vm.Spec{Name: fmt.Sprintf("calls-%s-%d", tmpl, i), Template: tmpl, Power: vm.PowerOff}, vm.Options{}); err != nil {
				t.Fatal(err)
			}
			var n int64
			diff := map[string]int64{}
			for k, v := range e.c.Pool.Counter().Methods() {
				if d := v - before[k]; d > 0 {
					diff[k] = d
					n += d
				}
			}
			t.Logf("template=%q create %d: %d calls %v", tmpl, i, n, diff)
		}
	}
}

// A create reads no whole inventory: the objects it names come from the
// read of everything but the VMs, the template and the new VM are read
// alone. (The first create of a template finds it with the whole read.)
func TestCreateReadsNoOtherVM(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simhost.Options{VMs: 20})
	for i, tmpl := range []string{"", simhost.TemplateName, "", simhost.TemplateName} {
		fetches := e.c.Inventory.Fetches()
		e.create(vm.Spec{Name: fmt.Sprintf("alone-%d", i), Template: tmpl, Power: vm.PowerOff}, vm.Options{})
		if n := e.c.Inventory.Fetches() - fetches; n != 0 && (i != 1 || n > 1) {
			t.Errorf("create %d (template %q) read the whole inventory %d times", i, tmpl, n)
		}
	}
}

// Once the process has written (Terraform plans each resource again just
// before it creates it), PlanCreate reads no whole inventory either, and
// still refuses a name a VM ceso did not make has, or a complete one of
// ceso's.
func TestPlanCreateAfterAWriteReadsNoOtherVM(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simhost.Options{VMs: 3})
	unmarked := e.vmNames()[0]
	if unmarked == simhost.TemplateName {
		unmarked = e.vmNames()[1]
	}
	made := e.create(vm.Spec{Name: "made", Power: vm.PowerOff}, vm.Options{})
	fetches := e.c.Inventory.Fetches()
	if err := e.m.PlanCreate(e.ctx, vm.Spec{Name: "new-one", Template: simhost.TemplateName}); err != nil {
		t.Errorf("plan of a new name: %v", err)
	}
	var taken *vm.NameTakenError
	if err := e.m.PlanCreate(e.ctx, vm.Spec{Name: unmarked}); !errors.As(err, &taken) {
		t.Errorf("plan of an unmarked VM's name = %v, want NameTakenError", err)
	}
	var nis *vm.NotInStateError
	if err := e.m.PlanCreate(e.ctx, vm.Spec{Name: made.Name}); !errors.As(err, &nis) {
		t.Errorf("plan of a ceso VM's name = %v, want NotInStateError", err)
	}
	if err := e.m.PlanCreate(e.ctx, vm.Spec{Name: made.Name, Replaces: made.UUID}); err != nil {
		t.Errorf("plan of the replaced VM's name: %v", err)
	}
	if err := e.m.PlanCreate(e.ctx, vm.Spec{Name: "x", Template: "no-such-template"}); len(vm.FieldErrors(err)) == 0 {
		t.Errorf("plan with a missing template = %v, want a field error", err)
	}
	// The missing template is looked for in a whole read (once).
	if n := e.c.Inventory.Fetches() - fetches; n > 1 {
		t.Errorf("%d whole inventory reads for five plans after a write, want at most 1 (the missing template)", n)
	}
}
