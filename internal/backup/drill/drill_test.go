package drill

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/view"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/backup"
	"github.com/esxi-commander/terraform-provider-ceso/internal/esxi"
	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
	"github.com/esxi-commander/terraform-provider-ceso/internal/vm"
)

// env is a simulated host with a backed-up VM and a Runner.
type env struct {
	t    *testing.T
	ctx  context.Context
	host *simhost.Host
	r    *Runner
	man  *backup.Manifest
}

// newEnv backs up a VM made from the template; silent makes its guest (and
// the guest of every VM restored from it) never report a heartbeat.
func newEnv(t *testing.T, opts simhost.Options, silent bool) *env {
	t.Helper()
	h, err := simhost.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	c, err := esxi.Connect(ctx, esxi.Config{Host: h.URL.String(), Username: h.Username, Password: h.Password, Insecure: true, MaxSessions: 10})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	vms := vm.New(c)
	spec := vm.Spec{Name: "web", Template: simhost.TemplateName, Power: vm.PowerOff,
		NICs: []vm.NIC{{Network: "VM Network"}}}
	if silent {
		notes := "a guest that never boots " + simhost.SilentGuest
		spec.Notes = &notes
	}
	st, err := vms.Create(ctx, spec, vm.Options{})
	if err != nil {
		t.Fatal(err)
	}
	b := backup.New(c, "test")
	res, err := b.Backup(ctx, backup.Spec{VM: st.State.UUID, Destination: "[LocalDS_0] backups", Verify: true})
	if err != nil {
		t.Fatal(err)
	}
	pctx, stop := context.WithCancel(context.Background())
	t.Cleanup(stop)
	if err := h.PlayGuest(pctx, 50*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	return &env{t: t, ctx: ctx, host: h, r: New(c, b, vms), man: res.Manifest}
}

// drillVMs lists the VMs on the host whose name marks them as a drill's,
// read straight from the host.
func (e *env) drillVMs() []mo.VirtualMachine {
	e.t.Helper()
	c, err := e.host.Client(e.ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	defer func() { _ = c.Logout(e.ctx) }()
	v, err := view.NewManager(c.Client).CreateContainerView(e.ctx, c.Client.ServiceContent.RootFolder, []string{"VirtualMachine"}, true)
	if err != nil {
		e.t.Fatal(err)
	}
	defer func() { _ = v.Destroy(e.ctx) }()
	var all, out []mo.VirtualMachine
	if err := v.Retrieve(e.ctx, []string{"VirtualMachine"}, []string{"name", "config", "runtime", "guest", "summary"}, &all); err != nil {
		e.t.Fatal(err)
	}
	for _, o := range all {
		if strings.Contains(o.Name, Infix) {
			out = append(out, o)
		}
	}
	return out
}

// drillFiles lists the datastore files of drill VMs.
func (e *env) drillFiles() []string {
	e.t.Helper()
	all, err := e.host.Files()
	if err != nil {
		e.t.Fatal(err)
	}
	var out []string
	for _, f := range all {
		if strings.Contains(f, Infix) {
			out = append(out, f)
		}
	}
	return out
}

func (e *env) noneLeft() {
	e.t.Helper()
	if vms := e.drillVMs(); len(vms) > 0 {
		e.t.Errorf("%d drill VMs left on the host, e.g. %s", len(vms), vms[0].Name)
	}
	if files := e.drillFiles(); len(files) > 0 {
		e.t.Errorf("drill files left on the datastore: %v", files)
	}
}

// A drill of a good backup boots the restored VM with its adapters
// unplugged, records ok in the manifest and leaves nothing.
func TestRunPasses(t *testing.T) {
	t.Parallel()
	for _, vc := range []bool{false, true} {
		t.Run(map[bool]string{false: "esx", true: "vpx"}[vc], func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, simhost.Options{Templates: 1, VCenter: vc}, false)
			var during []mo.VirtualMachine
			e.r.hook = func(step string) error {
				if step == "powered-on" {
					during = e.drillVMs()
				}
				return nil
			}
			res, err := e.r.Run(e.ctx, Spec{Backup: e.man.Dir, Timeout: time.Minute, WaitForIP: true})
			if err != nil {
				t.Fatal(err)
			}
			if !res.Drill.OK() || !res.Drill.CleanedUp || res.Drill.IP == "" {
				t.Fatalf("drill = %+v, want ok, cleaned up, with an IP", res.Drill)
			}
			if want := "web" + Infix + e.man.ID; res.Drill.VMName != want {
				t.Errorf("drill VM named %q, want %q", res.Drill.VMName, want)
			}
			if len(during) != 1 {
				t.Fatalf("%d drill VMs during the drill, want 1", len(during))
			}
			nics := 0
			for _, d := range during[0].Config.Hardware.Device {
				if n, ok := d.(types.BaseVirtualEthernetCard); ok {
					nics++
					c := n.GetVirtualEthernetCard().Connectable
					if c == nil || c.Connected || c.StartConnected || c.AllowGuestControl {
						t.Errorf("the drill VM's adapter is plugged in: %+v", c)
					}
				}
			}
			if nics != 1 {
				t.Errorf("the drill VM has %d adapters, want the backed-up VM's 1", nics)
			}
			man, err := e.r.Backups.Read(e.ctx, e.man.Dir)
			if err != nil {
				t.Fatal(err)
			}
			if man.Drill == nil || man.Drill.Result != backup.DrillOK {
				t.Errorf("manifest drill = %+v, want ok", man.Drill)
			}
			e.noneLeft()
		})
	}
}

// A guest that never reports a heartbeat fails the drill at the timeout;
// the manifest says so, and the VM and its files are gone.
func TestRunFailsWithoutHeartbeat(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simhost.Options{Templates: 1}, true)
	res, err := e.r.Run(e.ctx, Spec{Backup: e.man.ManifestPath(), Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if res.Drill.Result != backup.DrillFailed || !strings.Contains(res.Drill.Reason, "heartbeat") || !res.Drill.CleanedUp {
		t.Fatalf("drill = %+v, want failed on the heartbeat, cleaned up", res.Drill)
	}
	man, err := e.r.Backups.Read(e.ctx, e.man.Dir)
	if err != nil {
		t.Fatal(err)
	}
	if man.Drill == nil || man.Drill.Result != backup.DrillFailed || man.Status != backup.StatusComplete {
		t.Errorf("manifest status %q drill %+v, want complete with a failed drill", man.Status, man.Drill)
	}
	e.noneLeft()
}

// A drill whose caller gives up (Ctrl-C) still deletes its VM.
func TestRunCancelled(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simhost.Options{Templates: 1}, true)
	ctx, cancel := context.WithCancel(e.ctx)
	e.r.hook = func(step string) error {
		if step == "powered-on" {
			for _, v := range e.drillVMs() {
				t.Logf("drill VM %s notes %q tools %s heartbeat %s", v.Name, v.Config.Annotation, v.Guest.ToolsRunningStatus, v.Summary.QuickStats.GuestHeartbeatStatus)
			}
			time.AfterFunc(200*time.Millisecond, cancel)
		}
		return nil
	}
	res, err := e.r.Run(ctx, Spec{Backup: e.man.Dir, Timeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if res.Drill.Result != backup.DrillFailed || !res.Drill.CleanedUp {
		t.Fatalf("drill = %+v, want failed and cleaned up", res.Drill)
	}
	e.noneLeft()
}

// A drill whose process dies leaves its VM under a lease; the lease keeps
// a sweep off while it runs, and once it ran out the next sweep removes
// the VM and its files.
func TestSweepAfterKill(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simhost.Options{Templates: 1}, false)
	e.r.VMs.LeaseTTL = 2 * time.Second
	e.r.hook = func(step string) error {
		if step == "powered-on" {
			return errAbandon
		}
		return nil
	}
	if _, err := e.r.Run(e.ctx, Spec{Backup: e.man.Dir}); err == nil {
		t.Fatal("the abandoned drill returned no error")
	}
	left := e.drillVMs()
	if len(left) != 1 {
		t.Fatalf("%d drill VMs after the kill, want the 1 left behind", len(left))
	}
	swept, err := e.r.Sweep(e.ctx)
	if err != nil || len(swept) != 0 {
		t.Fatalf("a sweep under the running lease removed %v (error %v); want nothing", swept, err)
	}
	time.Sleep(2500 * time.Millisecond)
	swept, err = e.r.Sweep(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(swept) != 1 || swept[0] != left[0].Name {
		t.Errorf("sweep removed %v, want [%s]", swept, left[0].Name)
	}
	e.noneLeft()
}

func TestCheckNetwork(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simhost.Options{Templates: 1}, false)
	if err := e.r.CheckNetwork(e.ctx, "VM Network", ""); err != nil {
		t.Errorf("VM Network: %v", err)
	}
	err := e.r.CheckNetwork(e.ctx, "VM Netwrk", "")
	if fe, ok := backup.AsFieldError(err); !ok || fe.Field != "drill_network" || !strings.Contains(fe.Detail, "VM Network") {
		t.Errorf("a typo = %v, want a drill_network error suggesting VM Network", err)
	}
}

func TestName(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 100)
	if n := Name(long, "20261125T221500Z-3f9a"); len(n) != maxVMName || !strings.HasSuffix(n, Infix+"20261125T221500Z-3f9a") {
		t.Errorf("Name of a long VM = %q (%d characters)", n, len(n))
	}
	ok := &esxi.VM{Name: Name("web", "20261125T221500Z-3f9a"), ExtraConfig: map[string]string{vm.KeyRestoredFrom: "20261125T221500Z-3f9a"}}
	if !IsDrillVM(ok) {
		t.Error("a drill VM is not recognised")
	}
	for _, v := range []*esxi.VM{
		{Name: "web" + Infix + "20261125T221500Z-3f9a", ExtraConfig: map[string]string{}},
		{Name: "web" + Infix + "20261125T221500Z-3f9a", ExtraConfig: map[string]string{vm.KeyRestoredFrom: "20261125T221500Z-0000"}},
		{Name: "web-ceso-drill-x", ExtraConfig: map[string]string{vm.KeyRestoredFrom: "x"}},
	} {
		if IsDrillVM(v) {
			t.Errorf("%s with %v taken for a drill VM", v.Name, v.ExtraConfig)
		}
	}
}

// With a network named, the drill VM's adapters are plugged into it.
func TestRunOnANamedNetwork(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simhost.Options{Templates: 1}, false)
	var during []mo.VirtualMachine
	e.r.hook = func(step string) error {
		if step == "powered-on" {
			during = e.drillVMs()
		}
		return nil
	}
	res, err := e.r.Run(e.ctx, Spec{Backup: e.man.Dir, Network: "VM Network", Timeout: time.Minute})
	if err != nil || !res.Drill.OK() {
		t.Fatalf("drill %+v, error %v", res, err)
	}
	if len(during) != 1 {
		t.Fatalf("%d drill VMs during the drill, want 1", len(during))
	}
	for _, d := range during[0].Config.Hardware.Device {
		if n, ok := d.(types.BaseVirtualEthernetCard); ok {
			if c := n.GetVirtualEthernetCard().Connectable; c == nil || !c.StartConnected {
				t.Errorf("the adapter on the named network is not plugged in: %+v", c)
			}
		}
	}
	e.noneLeft()
}

// A restore that the host refuses fails the drill with the host's reason;
// nothing was made, so nothing is left, and the manifest says so.
func TestRunRestoreFails(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simhost.Options{Templates: 1}, false)
	e.host.AddHook(func(_ *simulator.Context, m *simulator.Method) types.BaseMethodFault {
		if m.Name == "CreateVM_Task" {
			return &types.NoDiskSpace{Datastore: "LocalDS_0"}
		}
		return nil
	})
	res, err := e.r.Run(e.ctx, Spec{Backup: e.man.Dir, Timeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if res.Drill.Result != backup.DrillFailed || !strings.HasPrefix(res.Drill.Reason, "the restore failed") || !res.Drill.CleanedUp {
		t.Fatalf("drill = %+v, want failed on the restore, cleaned up", res.Drill)
	}
	if res.Manifest == nil || res.Manifest.Drill == nil || res.Manifest.Drill.Result != backup.DrillFailed {
		t.Errorf("manifest drill = %+v, want failed", res.Manifest)
	}
	e.noneLeft()
}
