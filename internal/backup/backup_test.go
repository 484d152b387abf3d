package backup_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/backup"
	"github.com/esxi-commander/terraform-provider-ceso/internal/esxi"
	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
	"github.com/esxi-commander/terraform-provider-ceso/internal/vm"
)

func TestBackupOfARunningVM(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simhost.Options{})
	st := e.makeVM("web01", 2, vm.PowerOn)
	res := e.backup(backup.Spec{VM: st.UUID, Destination: dest, Verify: true, Quiesce: true,
		Triggers: map[string]string{"night": "1"}})
	m := res.Manifest

	if !backup.ValidID(m.ID) || m.Dir != "[LocalDS_0] backups/web01/"+m.ID || m.ManifestPath() != m.Dir+"/manifest.json" {
		t.Errorf("id %q dir %q", m.ID, m.Dir)
	}
	if m.VM.UUID != st.UUID || m.VM.Name != "web01" || m.VM.CPUs != 2 || m.VM.MemoryMB != 2048 || m.VM.PowerState != "poweredOn" ||
		m.VM.GuestID != "ubuntu64Guest" || len(m.VM.NICs) != 1 || m.VM.NICs[0].Network != "VM Network" {
		t.Errorf("vm = %+v", m.VM)
	}
	if m.Source.Product != "ESXi" || m.Source.Host == "" || m.CesoVersion != "test" || !m.Verified || m.Quiesced {
		t.Errorf("source %+v version %q verified %v quiesced %v", m.Source, m.CesoVersion, m.Verified, m.Quiesced)
	}
	if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "not quiesced") {
		t.Errorf("warnings = %q; want one saying Tools do not run, so no quiesce", res.Warnings)
	}
	if len(m.Disks) != 2 || m.Disks[0].CapacityBytes != 1<<30 || m.Disks[0].Format != "thin" || m.Disks[0].File != "web01.vmdk" ||
		m.Disks[1].File != "web01_1.vmdk" || m.Disks[0].Source != "[LocalDS_0] web01/web01.vmdk" {
		t.Errorf("disks = %+v", m.Disks)
	}
	if diff := cmp.Diff(map[string]string{"night": "1"}, m.Options.Triggers); diff != "" {
		t.Errorf("triggers (-want +got):\n%s", diff)
	}
	// The files are on the datastore; the manifest was written last.
	got := e.files("backups/web01/" + m.ID + "/")
	want := []string{"manifest.json", "web01-flat.vmdk", "web01.nvram", "web01.vmdk", "web01.vmx", "web01_1-flat.vmdk", "web01_1.vmdk"}
	var names []string
	for _, f := range got {
		names = append(names, f[strings.LastIndex(f, "/")+1:])
	}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("backup files (-want +got):\n%s", diff)
	}
	if len(m.Files) != len(want)-1 {
		t.Errorf("manifest lists %d files: %+v", len(m.Files), m.Files)
	}
	for _, f := range m.Files {
		if (f.Kind == "disk" || f.Kind == "config") && f.SHA256 == "" {
			t.Errorf("file %s was verified but has no checksum", f.Name)
		}
	}
	if s := e.snapshots("web01"); len(s) != 0 {
		t.Errorf("snapshots left on the VM: %v", s)
	}
	if e.inspect("web01").Runtime.PowerState != types.VirtualMachinePowerStatePoweredOn {
		t.Error("the VM is not running any more")
	}

	// Anyone reads the same backup back from the datastore.
	other := backup.New(e.c, "other")
	for _, ref := range []string{m.ID, m.Dir, m.ManifestPath()} {
		r, err := other.Find(e.ctx, ref, "")
		if err != nil {
			t.Fatalf("find %s: %v", ref, err)
		}
		if diff := cmp.Diff(m, r); diff != "" {
			t.Errorf("manifest read back by %s (-written +read):\n%s", ref, diff)
		}
	}
	if _, err := other.Find(e.ctx, "20000101T000000Z-0000", ""); !backup.IsNotFound(err) {
		t.Errorf("find of a missing id = %v", err)
	}
	if _, err := other.Read(e.ctx, "[LocalDS_0] backups/web01/20000101T000000Z-0000"); !backup.IsNotFound(err) {
		t.Errorf("read of a missing backup = %v", err)
	}

	// Delete removes the backup's folder, and only it.
	if err := e.b.Delete(e.ctx, m.ManifestPath()); err != nil {
		t.Fatal(err)
	}
	if f := e.files("backups/web01/"); len(f) != 0 {
		t.Errorf("files left after delete: %v", f)
	}
	if len(e.files("web01/web01.vmdk")) != 1 {
		t.Error("the VM's own disk is gone")
	}
	if err := e.b.Delete(e.ctx, m.Dir); err != nil {
		t.Errorf("deleting a deleted backup = %v", err)
	}
}

func TestRetentionKeepsTheNewest(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simhost.Options{})
	a := e.makeVM("app", 1, vm.PowerOn)
	b := e.makeVM("db", 1, vm.PowerOff)
	dbBackup := e.backup(backup.Spec{VM: b.UUID, Destination: dest})
	var ids []string
	for i := 0; i < 3; i++ {
		res := e.backup(backup.Spec{VM: a.UUID, Destination: dest, Keep: 2})
		ids = append(ids, res.Manifest.ID)
		if i == 2 && (len(res.Pruned) != 1 || !strings.HasSuffix(res.Pruned[0], ids[0])) {
			t.Errorf("third backup pruned %v, want the first (%s)", res.Pruned, ids[0])
		}
	}
	got := e.list(backup.Filter{VMName: "app"})
	if len(got) != 2 || got[0].ID != ids[2] || got[1].ID != ids[1] {
		t.Errorf("app backups = %+v, want %s and %s", got, ids[2], ids[1])
	}
	// Retention counts one VM's backups only.
	all := e.list(backup.Filter{})
	if diff := cmp.Diff([]string{"app:complete", "app:complete", "db:complete"}, statuses(all)); diff != "" {
		t.Errorf("catalog (-want +got):\n%s", diff)
	}
	if got := e.list(backup.Filter{NewerThan: dbBackup.Manifest.Started}); len(got) != 2 {
		t.Errorf("newer than the db backup: %d", len(got))
	}
	if got := e.list(backup.Filter{Status: backup.StatusFailed}); len(got) != 0 {
		t.Errorf("failed: %v", statuses(got))
	}
}

func TestRefusalsChangeNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simhost.Options{})
	st := e.makeVM("ref", 1, vm.PowerOn)
	big := e.makeVM("big", 1, vm.PowerOff)
	if _, err := e.vms.Update(e.ctx, big.UUID, vm.Spec{Name: "big", Disks: []vm.Disk{{SizeGiB: 2048, UnitNumber: -1}}}, vm.Options{}); err != nil {
		t.Fatal(err)
	}
	// A VM with snapshots of its own, a VM with an independent disk.
	if err := e.act("ref", func(ctx context.Context, v *object.VirtualMachine) (*object.Task, error) {
		return v.CreateSnapshot(ctx, "before-upgrade", "", false, false)
	}); err != nil {
		t.Fatal(err)
	}
	for _, d := range e.inspect("big").Config.Hardware.Device {
		if disk, ok := d.(*types.VirtualDisk); ok {
			b, ok := disk.Backing.(*types.VirtualDiskFlatVer2BackingInfo)
			if !ok {
				t.Fatalf("disk backing %T", disk.Backing)
			}
			b.DiskMode = string(types.VirtualDiskModeIndependent_persistent)
			if err := e.act("big", func(ctx context.Context, v *object.VirtualMachine) (*object.Task, error) {
				return v.Reconfigure(ctx, types.VirtualMachineConfigSpec{DeviceChange: []types.BaseVirtualDeviceConfigSpec{
					&types.VirtualDeviceConfigSpec{Operation: types.VirtualDeviceConfigSpecOperationEdit, Device: disk}}})
			}); err != nil {
				t.Fatal(err)
			}
		}
	}
	e.host.ResetMethods()
	before := e.files("")

	check := func(name string, spec backup.Spec, field string, is error, phrase string) {
		t.Helper()
		_, err := e.b.Backup(e.ctx, spec)
		fe, ok := backup.AsFieldError(err)
		if !ok || fe.Field != field || !strings.Contains(err.Error(), phrase) || (is != nil && !errors.Is(err, is)) {
			t.Errorf("%s: err = %v, want a field error on %s saying %q", name, err, field, phrase)
		}
	}
	check("no vm", backup.Spec{VM: "", Destination: dest}, "vm", nil, "Missing VM")
	check("unknown vm", backup.Spec{VM: "4214c0a5-0000-0000-0000-000000000000", Destination: dest}, "vm", nil, "VM Not Found")
	check("bad destination", backup.Spec{VM: st.UUID, Destination: "backups"}, "destination", nil, "[datastore] folder")
	check("unknown datastore", backup.Spec{VM: st.UUID, Destination: "[nope] b"}, "destination", nil, "Datastore Not Found")
	check("bad format", backup.Spec{VM: st.UUID, Destination: dest, DiskFormat: "sparse"}, "disk_format", nil, "thin, thick or eager_zeroed")

	check("snapshots", backup.Spec{VM: st.UUID, Destination: dest}, "allow_existing_snapshots", backup.ErrExistingSnapshots, `"before-upgrade"`)
	check("independent", backup.Spec{VM: big.UUID, Destination: dest}, "vm", backup.ErrIndependentDisks, "independent_persistent")
	// A destination without room: the simulator's datastore has 1 TiB, and
	// big's 2 TiB disk took all of it.
	_, err := e.b.Backup(e.ctx, backup.Spec{VM: st.UUID, Destination: dest, DiskFormat: "thick", AllowExistingSnapshots: true})
	if fe, ok := backup.AsFieldError(err); !ok || fe.Field != "destination" || esxi.KindOf(err) != esxi.KindNoDiskSpace || !strings.Contains(err.Error(), "disk_format") {
		t.Errorf("no room: err = %v (kind %s)", err, esxi.KindOf(err))
	}

	for _, m := range []string{"CreateSnapshot_Task", "MakeDirectory", "CopyVirtualDisk_Task", "CopyDatastoreFile_Task"} {
		if n := e.host.CountMethod(m); n != 0 {
			t.Errorf("%s called %d times by refused backups", m, n)
		}
	}
	if after := e.files(""); !slices.Equal(before, after) {
		t.Errorf("files changed:\nbefore %v\nafter  %v", before, after)
	}

	// Allowed: the VM's own snapshot stays, ceso's goes.
	if _, err := e.vms.Delete(e.ctx, big.UUID); err != nil {
		t.Fatal(err)
	}
	res := e.backup(backup.Spec{VM: st.UUID, Destination: dest, AllowExistingSnapshots: true})
	if s := e.snapshots("ref"); !slices.Equal(s, []string{"before-upgrade"}) {
		t.Errorf("snapshots after the backup: %v", s)
	}
	if !res.Manifest.Options.AllowExistingSnapshots {
		t.Error("manifest does not record allow_existing_snapshots")
	}
}

func TestFreeLicenceIsRefused(t *testing.T) {
	t.Parallel()
	h, err := simhost.Start(simhost.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.Close)
	ctx := context.Background()
	// The host reports the free hypervisor edition before ceso connects.
	c, err := h.Client(ctx)
	if err != nil {
		t.Fatal(err)
	}
	lm, ok := h.Model.Map().Get(*c.ServiceContent.LicenseManager).(*simulator.LicenseManager)
	if !ok {
		t.Fatal("no license manager")
	}
	lm.Licenses = []types.LicenseManagerLicenseInfo{{EditionKey: "esxBasic", Name: "vSphere 8 Hypervisor"}}
	_ = c.Logout(ctx)
	client, err := esxi.Connect(ctx, esxi.Config{Host: h.URL.String(), Username: h.Username, Password: h.Password, Insecure: true})
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close(ctx)
	snap, err := client.Inventory.Get(ctx)
	if err != nil {
		t.Fatal(err)
	}
	h.ResetMethods()
	_, err = backup.New(client, "test").Backup(ctx, backup.Spec{VM: snap.VMs[0].UUID, Destination: dest})
	if esxi.KindOf(err) != esxi.KindFreeLicence || !strings.Contains(err.Error(), "free vSphere Hypervisor licence") {
		t.Errorf("backup on a free host = %v (kind %s)", err, esxi.KindOf(err))
	}
	if m := h.Methods(); len(m) != 0 {
		t.Errorf("a refused backup called %v", m)
	}
}

func TestCopyFailsMidway(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simhost.Options{})
	st := e.makeVM("full", 2, vm.PowerOn)
	// The destination fills up during the second disk's copy.
	e.failNth("CopyVirtualDisk_Task", 2, &types.NoDiskSpace{Datastore: "LocalDS_0"})
	res, err := e.b.Backup(e.ctx, backup.Spec{VM: st.UUID, Destination: dest})
	if esxi.KindOf(err) != esxi.KindNoDiskSpace || !strings.Contains(err.Error(), "backup of VM full failed") ||
		!strings.Contains(err.Error(), "partial copies were removed") {
		t.Fatalf("err = %v (kind %s)", err, esxi.KindOf(err))
	}
	if res == nil || res.Manifest == nil || res.Manifest.Status != backup.StatusFailed || !strings.Contains(res.Manifest.Error, "full") {
		t.Fatalf("result = %+v", res)
	}
	if s := e.snapshots("full"); len(s) != 0 {
		t.Errorf("snapshots left: %v", s)
	}
	files := e.files("backups/full/")
	if len(files) != 1 || !strings.HasSuffix(files[0], "/manifest.json") {
		t.Errorf("files left: %v; want only the failed manifest", files)
	}
	cat := e.list(backup.Filter{})
	if diff := cmp.Diff([]string{"full:failed"}, statuses(cat)); diff != "" {
		t.Errorf("catalog (-want +got):\n%s", diff)
	}
	if _, err := e.vms.Create(e.ctx, vm.Spec{Name: "from-failed", Backup: res.Manifest.ID}, vm.Options{}); !errors.Is(err, backup.ErrNotComplete) {
		t.Errorf("restore from a failed backup = %v", err)
	}
	// The next backup succeeds and removes the failed attempt.
	e.host.ClearHooks()
	ok := e.backup(backup.Spec{VM: st.UUID, Destination: dest})
	if len(ok.Pruned) != 1 || !strings.HasSuffix(ok.Pruned[0], res.Manifest.ID) {
		t.Errorf("pruned %v, want the failed attempt", ok.Pruned)
	}
	if diff := cmp.Diff([]string{"full:complete"}, statuses(e.list(backup.Filter{}))); diff != "" {
		t.Errorf("catalog (-want +got):\n%s", diff)
	}
}

func TestPowerCycleDuringBackup(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simhost.Options{})
	st := e.makeVM("cycled", 2, vm.PowerOn)
	backup.SetHook(e.b, func(step string) error {
		if step != "disk-copied-0" {
			return nil
		}
		// Someone powers the VM off and on while its disks are copied.
		if err := e.act("cycled", func(ctx context.Context, v *object.VirtualMachine) (*object.Task, error) { return v.PowerOff(ctx) }); err != nil {
			return err
		}
		return e.act("cycled", func(ctx context.Context, v *object.VirtualMachine) (*object.Task, error) { return v.PowerOn(ctx) })
	})
	res := e.backup(backup.Spec{VM: st.UUID, Destination: dest, Verify: true})
	if len(res.Manifest.Disks) != 2 || res.Manifest.Status != backup.StatusComplete {
		t.Errorf("manifest = %+v", res.Manifest)
	}
	if s := e.snapshots("cycled"); len(s) != 0 {
		t.Errorf("snapshots left: %v", s)
	}
}

func TestInterruptedBackupIsCleanedUpByTheNext(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simhost.Options{})
	st := e.makeVM("crash", 2, vm.PowerOn)
	e.b.LeaseTTL = 2 * time.Second
	backup.SetHook(e.b, func(step string) error {
		if step == "disk-copied-0" {
			return backup.ErrAbandon // the process dies after the snapshot and one disk
		}
		return nil
	})
	if _, err := e.b.Backup(e.ctx, backup.Spec{VM: st.UUID, Destination: dest}); !errors.Is(err, backup.ErrAbandon) {
		t.Fatalf("err = %v", err)
	}
	if s := e.snapshots("crash"); len(s) != 1 || !strings.HasPrefix(s[0], backup.SnapshotPrefix) {
		t.Fatalf("the crash should leave ceso's snapshot: %v", s)
	}
	if len(e.files("backups/crash/")) == 0 {
		t.Fatal("the crash should leave a partial folder")
	}
	// A new process (another Manager) sees it as incomplete, never as good.
	fresh := backup.New(e.c, "test")
	cat, err := fresh.List(e.ctx, dest, backup.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"crash:incomplete"}, statuses(cat)); diff != "" {
		t.Errorf("catalog (-want +got):\n%s", diff)
	}
	if _, err := fresh.Find(e.ctx, cat[0].ID, ""); !backup.IsNotFound(err) {
		t.Errorf("find of the incomplete backup = %v", err)
	}
	// The crashed backup's lease still runs: its leftovers are not touched.
	var busy *backup.BusyError
	if _, err := fresh.Backup(e.ctx, backup.Spec{VM: st.UUID, Destination: dest}); !errors.As(err, &busy) || busy.ID != cat[0].ID {
		t.Fatalf("backup while the crashed one's lease runs = %v, want a *BusyError naming %s", err, cat[0].ID)
	}
	if s := e.snapshots("crash"); len(s) != 1 {
		t.Fatalf("the refused backup touched the snapshots: %v", s)
	}
	time.Sleep(e.b.LeaseTTL) // the crashed process renews nothing
	res, err := fresh.Backup(e.ctx, backup.Spec{VM: st.UUID, Destination: dest})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range e.files("backups/crash/" + res.Manifest.ID) {
		if strings.HasSuffix(f, backup.LeaseName) {
			t.Errorf("the complete backup kept its lease file: %s", f)
		}
	}
	if len(res.CleanedUp) != 2 || !strings.HasPrefix(res.CleanedUp[0], "snapshot "+backup.SnapshotPrefix) || !strings.HasPrefix(res.CleanedUp[1], "folder ") {
		t.Errorf("cleaned up %q", res.CleanedUp)
	}
	if s := e.snapshots("crash"); len(s) != 0 {
		t.Errorf("snapshots left: %v", s)
	}
	if diff := cmp.Diff([]string{"crash:complete"}, statuses(e.list(backup.Filter{}))); diff != "" {
		t.Errorf("catalog (-want +got):\n%s", diff)
	}
	for _, f := range e.files("backups/crash/") {
		if !strings.Contains(f, res.Manifest.ID) {
			t.Errorf("file of the interrupted backup left: %s", f)
		}
	}
}

func TestRestoreMakesANewVMFromTheBackup(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simhost.Options{})
	src := e.makeVM("orig", 2, vm.PowerOff)
	if _, err := e.vms.Update(e.ctx, src.UUID, vm.Spec{Name: "orig", CPUs: 4, MemoryMB: 4096}, vm.Options{}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.vms.SetPower(e.ctx, src.UUID, vm.PowerOn, vm.Options{}); err != nil {
		t.Fatal(err)
	}
	res := e.backup(backup.Spec{VM: src.UUID, Destination: dest, Verify: true})
	m := res.Manifest
	e.host.ResetMethods()

	got, err := e.vms.Create(e.ctx, vm.Spec{Name: "restored", Backup: m.ID, Power: vm.PowerOff}, vm.Options{})
	if err != nil {
		t.Fatal(err)
	}
	r := got.State
	if r.UUID == src.UUID || r.BIOSUUID == src.BIOSUUID {
		t.Error("the restored VM has the source's identity")
	}
	if r.CPUs != 4 || r.MemoryMB != 4096 || r.GuestID != "ubuntu64Guest" || len(r.Disks) != 2 || len(r.NICs) != 1 || r.NICs[0].Network != "VM Network" {
		t.Errorf("restored VM = %+v", r)
	}
	for _, d := range r.Disks {
		if !strings.HasPrefix(d.Path, "[LocalDS_0] restored/") || d.SizeGiB != 1 || d.Provisioning != "thin" {
			t.Errorf("restored disk = %+v", d)
		}
	}
	srcMAC := e.inspect("orig").Config.Hardware.Device
	for _, d := range srcMAC {
		if c, ok := d.(types.BaseVirtualEthernetCard); ok && c.GetVirtualEthernetCard().MacAddress == r.NICs[0].MAC {
			t.Error("the restored VM has the source's MAC address")
		}
	}
	// The disks came from the backup, not from the source VM.
	if n := e.host.CountMethod("CopyVirtualDisk_Task"); n != 2 {
		t.Errorf("CopyVirtualDisk_Task called %d times", n)
	}
	if n := e.host.CountMethod("CreateSnapshot_Task"); n != 0 {
		t.Errorf("a restore should not snapshot anything; CreateSnapshot_Task called %d times", n)
	}

	// By manifest path, with a new network layout; a name in use is refused.
	got2, err := e.vms.Create(e.ctx, vm.Spec{Name: "restored2", Backup: m.ManifestPath(), Power: vm.PowerOff,
		NICs: []vm.NIC{{Network: "VM Network", AdapterType: "e1000e"}}}, vm.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if n := got2.State.NICs; len(n) != 1 || n[0].AdapterType != "e1000e" {
		t.Errorf("nics = %+v", n)
	}
	// The same restore again (from a state that does not hold the VM it
	// made) never takes it over; neither does a restore onto any other
	// VM's name.
	var notInState *vm.NotInStateError
	if _, err := e.vms.Create(e.ctx, vm.Spec{Name: "restored", Backup: m.ID, Power: vm.PowerOff}, vm.Options{}); !errors.As(err, &notInState) || notInState.UUID != r.UUID {
		t.Errorf("restore of the same backup to its VM = %v, want a *NotInStateError", err)
	}
	_, err = e.vms.Create(e.ctx, vm.Spec{Name: "orig", Backup: m.ID}, vm.Options{})
	if fes := vm.FieldErrors(err); len(fes) != 1 || fes[0].Field != "name" || !strings.Contains(err.Error(), "never restores over") {
		t.Errorf("restore over the source VM = %v", err)
	}
	_, err = e.vms.Create(e.ctx, vm.Spec{Name: "nothing", Backup: "20000101T000000Z-0000"}, vm.Options{})
	if fes := vm.FieldErrors(err); len(fes) != 1 || fes[0].Field != "backup" || !strings.Contains(err.Error(), "Backup Not Found") {
		t.Errorf("restore of a missing backup = %v", err)
	}
	if fmt.Sprint(e.snapshots("orig")) != "[]" {
		t.Errorf("source snapshots: %v", e.snapshots("orig"))
	}
}

func TestQuiescedWhenToolsRun(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simhost.Options{})
	st := e.makeVM("tools", 1, vm.PowerOn)
	// The guest's part: VMware Tools run.
	if err := e.act("tools", func(ctx context.Context, v *object.VirtualMachine) (*object.Task, error) {
		return v.Reconfigure(ctx, types.VirtualMachineConfigSpec{ExtraConfig: []types.BaseOptionValue{
			&types.OptionValue{Key: "SET.guest.toolsRunningStatus", Value: string(types.VirtualMachineToolsRunningStatusGuestToolsRunning)}}})
	}); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var quiesced []bool
	e.host.AddHook(func(_ *simulator.Context, m *simulator.Method) types.BaseMethodFault {
		if req, ok := m.Body.(*types.CreateSnapshot_Task); ok {
			mu.Lock()
			quiesced = append(quiesced, req.Quiesce)
			mu.Unlock()
		}
		return nil
	})
	res := e.backup(backup.Spec{VM: st.UUID, Destination: dest, Quiesce: true})
	mu.Lock()
	defer mu.Unlock()
	if !res.Manifest.Quiesced || len(res.Warnings) != 0 || fmt.Sprint(quiesced) != "[true]" {
		t.Errorf("quiesced %v, warnings %q, snapshot requests %v", res.Manifest.Quiesced, res.Warnings, quiesced)
	}
}

func TestBackupAndRestoreOnVCenter(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simhost.Options{VCenter: true})
	st := e.makeVM("vc01", 2, vm.PowerOn)
	res := e.backup(backup.Spec{VM: st.UUID, Destination: dest, Verify: true})
	if s := e.snapshots("vc01"); len(s) != 0 {
		t.Errorf("snapshots left: %v", s)
	}
	e.host.ResetMethods()
	got, err := e.vms.Create(e.ctx, vm.Spec{Name: "vc01-restored", Backup: res.Manifest.ID, Power: vm.PowerOff}, vm.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if n := e.host.CountMethod("CloneVM_Task"); n != 0 {
		t.Errorf("a restore must copy the backup's disks, not clone; CloneVM_Task called %d times", n)
	}
	if d := got.State.Disks; len(d) != 2 || !strings.Contains(d[0].Path, "vc01-restored/") || len(got.State.NICs) != 1 {
		t.Errorf("restored VM: disks %+v nics %+v", d, got.State.NICs)
	}
	if got.State.Datacenter != "DC0" {
		t.Errorf("datacenter = %q", got.State.Datacenter)
	}
}
