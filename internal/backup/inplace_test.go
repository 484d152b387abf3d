package backup_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/backup"
	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
	"github.com/esxi-commander/terraform-provider-ceso/internal/vm"
)

// hostDisks lists a VM's disks as the host has them: file, mode, GiB.
func (e *env) hostDisks(name string) []string {
	e.t.Helper()
	return diskList(e.inspect(name))
}

func diskList(o mo.VirtualMachine) []string {
	var out []string
	for _, d := range o.Config.Hardware.Device {
		if disk, ok := d.(*types.VirtualDisk); ok {
			b, _ := disk.Backing.(*types.VirtualDiskFlatVer2BackingInfo)
			out = append(out, fmt.Sprintf("%s %s %d", b.FileName, b.DiskMode, disk.CapacityInKB>>20))
		}
	}
	return out
}

func macs(e *env, name string) []string {
	var out []string
	for _, d := range e.inspect(name).Config.Hardware.Device {
		if c, ok := d.(types.BaseVirtualEthernetCard); ok {
			out = append(out, c.GetVirtualEthernetCard().MacAddress)
		}
	}
	return out
}

func TestRestoreInPlace(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simhost.Options{})
	src := e.makeVM("db", 2, vm.PowerOn)
	e.makeIndependent("db", 1)
	res := e.backup(backup.Spec{VM: src.UUID, Destination: dest, SkipIndependentDisks: true})
	m := res.Manifest
	beforeMAC := macs(e, "db")
	beforeUUID := e.inspect("db").Config.Uuid

	// A change after the backup: the first disk grows to 3 GiB.
	if _, err := e.vms.Update(e.ctx, src.UUID, vm.Spec{Name: "db", Power: vm.PowerOn, Disks: []vm.Disk{{SizeGiB: 3, UnitNumber: 0, Bus: -1}, {SizeGiB: 1, UnitNumber: 1, Bus: -1}}}, vm.Options{}); err != nil {
		t.Fatal(err)
	}
	old := e.inspect("db")
	e.host.ResetMethods()

	// Running, without power_off: refused, nothing changes.
	_, err := e.b.RestoreInPlace(e.ctx, backup.InPlace{VM: src.UUID, Backup: m.ID, KeepIdentity: true})
	if fe, ok := backup.AsFieldError(err); !ok || fe.Field != "power_off" {
		t.Fatalf("restore over a running VM: %v", err)
	}
	for _, meth := range []string{"CopyVirtualDisk_Task", "CreateVirtualDisk_Task", "ReconfigVM_Task", "PowerOffVM_Task"} {
		if n := e.host.CountMethod(meth); n != 0 {
			t.Errorf("refused restore called %s %d times", meth, n)
		}
	}

	// The plan names what is overwritten and what comes back empty.
	p, err := e.b.PlanInPlace(e.ctx, backup.InPlace{VM: src.UUID, Backup: m.ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Overwritten) != 2 || len(p.Empty) != 1 || len(p.Added) != 0 || !strings.Contains(p.Empty[0], "scsi:0:1") {
		t.Errorf("plan %+v", p)
	}

	// A copy that fails leaves the VM with its old disks and no new file.
	e.failNth("CreateVirtualDisk_Task", 1, &types.NoDiskSpace{})
	if _, err := e.b.RestoreInPlace(e.ctx, backup.InPlace{VM: src.UUID, Backup: m.ID, KeepIdentity: true, PowerOff: true}); err == nil {
		t.Fatal("a failed copy did not fail the restore")
	}
	if s := e.inspect("db").Runtime.PowerState; s != types.VirtualMachinePowerStatePoweredOn {
		t.Errorf("after a failed restore the VM is %s; it ran before", s)
	}
	e.host.ClearHooks()
	if diff := cmp.Diff(diskList(old), e.hostDisks("db")); diff != "" {
		t.Errorf("a failed restore changed the VM's disks (-want +got):\n%s", diff)
	}
	if left := e.files("db-restore-"); len(left) != 0 {
		t.Errorf("a failed restore left %v", left)
	}

	r, err := e.b.RestoreInPlace(e.ctx, backup.InPlace{VM: src.UUID, Backup: m.ID, KeepIdentity: true, PowerOff: true})
	if err != nil {
		t.Fatal(err)
	}
	now := e.inspect("db")
	if now.Config.Uuid != beforeUUID || now.Config.InstanceUuid != src.UUID {
		t.Error("keep_identity changed the VM's UUID")
	}
	if diff := cmp.Diff(beforeMAC, macs(e, "db")); diff != "" {
		t.Errorf("MACs changed (-want +got):\n%s", diff)
	}
	got := e.hostDisks("db")
	if len(got) != 2 || !strings.Contains(got[0], "db-restore-") || !strings.HasSuffix(got[0], " 1") || !strings.Contains(got[1], "independent_persistent") {
		t.Errorf("disks after the restore: %q", got)
	}
	if len(r.Removed) != 2 {
		t.Errorf("removed %q", r.Removed)
	}
	for _, f := range r.Removed {
		base := strings.TrimPrefix(strings.TrimSuffix(f, ".vmdk"), "[LocalDS_0] ")
		if left := append(e.files(base+".vmdk"), e.files(base+"-flat.vmdk")...); len(left) != 0 {
			t.Errorf("old disk %s still has files %v", f, left)
		}
	}
	if now.Runtime.PowerState != types.VirtualMachinePowerStatePoweredOn {
		t.Errorf("power after the restore: %s; it was on before", now.Runtime.PowerState)
	}
}

// A backup of one VM restored over another: keep_identity = false is
// refused while the backed-up VM still has that instance UUID; with the
// identity kept, the other VM gets the disks and keeps its UUIDs.
func TestRestoreInPlaceOverAnotherVM(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simhost.Options{})
	src := e.makeVM("app", 1, vm.PowerOff)
	other := e.makeVM("app-standby", 1, vm.PowerOff)
	m := e.backup(backup.Spec{VM: src.UUID, Destination: dest}).Manifest
	e.host.ResetMethods()
	_, err := e.b.RestoreInPlace(e.ctx, backup.InPlace{VM: other.UUID, Backup: m.ID, KeepIdentity: false})
	if fe, ok := backup.AsFieldError(err); !ok || fe.Field != "keep_identity" || !strings.Contains(fe.Detail, "app") {
		t.Fatalf("keep_identity = false with the source VM present: %v", err)
	}
	if n := e.host.CountMethod("CopyVirtualDisk_Task") + e.host.CountMethod("ReconfigVM_Task"); n != 0 {
		t.Errorf("a refused restore made %d copies or reconfigures", n)
	}
	if _, err := e.b.RestoreInPlace(e.ctx, backup.InPlace{VM: other.UUID, Backup: m.ID, KeepIdentity: true}); err != nil {
		t.Fatal(err)
	}
	o := e.inspect("app-standby")
	if o.Config.InstanceUuid != other.UUID || o.Config.Uuid != other.BIOSUUID {
		t.Error("the identity changed although it was kept")
	}
	if d := e.hostDisks("app-standby"); len(d) != 1 || !strings.Contains(d[0], "app-standby-restore-") {
		t.Errorf("disks %q", d)
	}
}

// keep_identity = false over the backed-up VM itself gives it back the
// backed-up MAC addresses; a backup or VM that does not exist is refused on
// the attribute that names it.
func TestRestoreInPlaceIdentity(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simhost.Options{})
	src := e.makeVM("web", 1, vm.PowerOff)
	m := e.backup(backup.Spec{VM: src.UUID, Destination: dest}).Manifest
	before := macs(e, "web")
	for _, d := range e.inspect("web").Config.Hardware.Device {
		if c, ok := d.(types.BaseVirtualEthernetCard); ok {
			card := c.GetVirtualEthernetCard()
			card.AddressType, card.MacAddress = string(types.VirtualEthernetCardMacTypeManual), "00:50:56:3f:00:42"
			if err := e.act("web", func(ctx context.Context, v *object.VirtualMachine) (*object.Task, error) {
				return v.Reconfigure(ctx, types.VirtualMachineConfigSpec{DeviceChange: []types.BaseVirtualDeviceConfigSpec{
					&types.VirtualDeviceConfigSpec{Operation: types.VirtualDeviceConfigSpecOperationEdit, Device: d}}})
			}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := e.b.RestoreInPlace(e.ctx, backup.InPlace{VM: src.UUID, Backup: m.ManifestPath(), KeepIdentity: false}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(before, macs(e, "web")); diff != "" {
		t.Errorf("MACs after keep_identity = false (-want +got):\n%s", diff)
	}
	if o := e.inspect("web"); o.Config.InstanceUuid != m.VM.UUID || o.Config.Uuid != m.VM.BIOSUUID {
		t.Errorf("UUIDs %s/%s, want the manifest's", o.Config.InstanceUuid, o.Config.Uuid)
	}

	for _, tc := range []struct {
		name, vmUUID, ref, field string
	}{
		{"unknown backup", src.UUID, "20200101T000000Z-0000", "backup"},
		{"unknown VM", "4214c0a5-0000-0000-0000-000000000000", m.ID, "vm"},
	} {
		_, err := e.b.PlanInPlace(e.ctx, backup.InPlace{VM: tc.vmUUID, Backup: tc.ref})
		if fe, ok := backup.AsFieldError(err); !ok || fe.Field != tc.field {
			t.Errorf("%s: %v, want an error on %s", tc.name, err, tc.field)
		}
	}
}

// A VM with snapshots, and a VM without the backed-up controller, are
// refused before anything is written.
func TestRestoreInPlaceRefusals(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simhost.Options{})
	src := e.makeVM("src", 1, vm.PowerOff)
	m := e.backup(backup.Spec{VM: src.UUID, Destination: dest}).Manifest
	snapped := e.makeVM("snapped", 1, vm.PowerOff)
	if err := e.act("snapped", func(ctx context.Context, v *object.VirtualMachine) (*object.Task, error) {
		return v.CreateSnapshot(ctx, "keep", "", false, false)
	}); err != nil {
		t.Fatal(err)
	}
	sata, err := e.vms.Create(e.ctx, vm.Spec{Name: "sata-only", GuestID: "otherGuest64", CPUs: 1, MemoryMB: 512, Power: vm.PowerOff,
		Disks: []vm.Disk{{SizeGiB: 1, Controller: "sata", UnitNumber: -1, Bus: -1}}}, vm.Options{})
	if err != nil {
		t.Fatal(err)
	}
	e.host.ResetMethods()
	for _, tc := range []struct{ name, uuid, phrase string }{
		{"snapshots", snapped.UUID, "VM Has Snapshots"},
		{"no such controller", sata.State.UUID, "Backup Does Not Fit The VM"},
	} {
		_, err := e.b.RestoreInPlace(e.ctx, backup.InPlace{VM: tc.uuid, Backup: m.ID, KeepIdentity: true})
		if fe, ok := backup.AsFieldError(err); !ok || fe.Field != "vm" || !strings.Contains(err.Error(), tc.phrase) {
			t.Errorf("%s: %v, want %q on vm", tc.name, err, tc.phrase)
		}
	}
	for _, meth := range []string{"CopyVirtualDisk_Task", "CreateVirtualDisk_Task", "ReconfigVM_Task"} {
		if n := e.host.CountMethod(meth); n != 0 {
			t.Errorf("refused restores called %s %d times", meth, n)
		}
	}
}
