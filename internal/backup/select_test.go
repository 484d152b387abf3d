package backup_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/backup"
	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
	"github.com/esxi-commander/terraform-provider-ceso/internal/vm"
)

// makeIndependent switches the VM's disk at unit to independent_persistent.
func (e *env) makeIndependent(name string, unit int32) {
	e.t.Helper()
	for _, d := range e.inspect(name).Config.Hardware.Device {
		disk, ok := d.(*types.VirtualDisk)
		if !ok || disk.UnitNumber == nil || *disk.UnitNumber != unit {
			continue
		}
		b, ok := disk.Backing.(*types.VirtualDiskFlatVer2BackingInfo)
		if !ok {
			e.t.Fatalf("disk backing %T", disk.Backing)
		}
		b.DiskMode = string(types.VirtualDiskModeIndependent_persistent)
		if err := e.act(name, func(ctx context.Context, v *object.VirtualMachine) (*object.Task, error) {
			return v.Reconfigure(ctx, types.VirtualMachineConfigSpec{DeviceChange: []types.BaseVirtualDeviceConfigSpec{
				&types.VirtualDeviceConfigSpec{Operation: types.VirtualDeviceConfigSpecOperationEdit, Device: disk}}})
		}); err != nil {
			e.t.Fatal(err)
		}
		return
	}
	e.t.Fatalf("VM %s has no disk at unit %d", name, unit)
}

// label is the host's label of the VM's disk at unit.
func (e *env) label(name string, unit int32) string {
	e.t.Helper()
	for _, d := range e.inspect(name).Config.Hardware.Device {
		if disk, ok := d.(*types.VirtualDisk); ok && disk.UnitNumber != nil && *disk.UnitNumber == unit {
			return disk.DeviceInfo.GetDescription().Label
		}
	}
	e.t.Fatalf("VM %s has no disk at unit %d", name, unit)
	return ""
}

func TestLeftOutDisks(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simhost.Options{})
	src := e.makeVM("three", 3, vm.PowerOn)
	e.makeIndependent("three", 2)

	// Without the flag the VM is refused, and the error says what to set.
	_, err := e.b.Backup(e.ctx, backup.Spec{VM: src.UUID, Destination: dest})
	if !errors.Is(err, backup.ErrIndependentDisks) || !strings.Contains(err.Error(), "skip_independent_disks = true") || !strings.Contains(err.Error(), "scsi:0:2") {
		t.Fatalf("independent disk without the flag: %v", err)
	}
	// A name that matches no disk is refused on exclude_disks, listing the disks.
	_, err = e.b.Backup(e.ctx, backup.Spec{VM: src.UUID, Destination: dest, SkipIndependentDisks: true, ExcludeDisks: []string{"Hard disk 9"}})
	if fe, ok := backup.AsFieldError(err); !ok || fe.Field != "exclude_disks" || !strings.Contains(fe.Detail, `"Hard disk 9"`) || !strings.Contains(fe.Detail, "(scsi:0:0, 1.0 GiB)") {
		t.Fatalf("unknown exclude_disks name: %v", err)
	}
	if err := e.b.CheckDisks(e.ctx, src.UUID, []string{"scsi:0:7"}); err == nil {
		t.Error("CheckDisks accepted a unit the VM does not have")
	}
	// The simulator labels disks "disk-<controller>-<unit>", a real host
	// "Hard disk <n>": either way, the label the host reports.
	label := e.label("three", 1)
	if err := e.b.CheckDisks(e.ctx, src.UUID, []string{strings.ToUpper(label), "0:1", "scsi:0:1"}); err != nil {
		t.Errorf("CheckDisks: %v", err)
	}

	res := e.backup(backup.Spec{VM: src.UUID, Destination: dest, Verify: true, SkipIndependentDisks: true, ExcludeDisks: []string{label}})
	m := res.Manifest
	var got []string
	for _, s := range m.Skipped {
		got = append(got, s.Slot()+" "+s.Reason+" "+s.Label)
		if s.CapacityBytes != 1<<30 || s.Source == "" {
			t.Errorf("skipped disk %+v", s)
		}
	}
	if diff := cmp.Diff([]string{"scsi:0:1 excluded " + label, "scsi:0:2 independent " + e.label("three", 2)}, got); diff != "" {
		t.Errorf("skipped (-want +got):\n%s", diff)
	}
	if len(m.Disks) != 1 || m.Disks[0].Unit != 0 || !m.Verified {
		t.Errorf("disks %+v, verified %v", m.Disks, m.Verified)
	}
	if len(res.Warnings) != 2 || !strings.Contains(strings.Join(res.Warnings, "\n"), "independent_persistent") {
		t.Errorf("warnings %q", res.Warnings)
	}
	if copies := e.files(m.ID + "/"); len(copies) == 0 || strings.Contains(strings.Join(copies, " "), "three_1") || strings.Contains(strings.Join(copies, " "), "three_2") {
		t.Errorf("backup folder holds %v; want no copy of the left-out disks", copies)
	}
	// The manifest read back from the datastore says the same.
	back, err := e.b.Read(e.ctx, m.ManifestPath())
	if err != nil || len(back.Skipped) != 2 || back.Options.SkipIndependentDisks != true || len(back.Options.ExcludeDisks) != 1 {
		t.Fatalf("manifest read back: %+v, %v", back, err)
	}

	// A restore makes the left-out disks again, empty, with their size.
	e.host.ResetMethods()
	r, err := e.vms.Create(e.ctx, vm.Spec{Name: "three-restored", Backup: m.ID, Power: vm.PowerOff}, vm.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.State.Disks) != 3 || len(r.EmptyDisks) != 2 {
		t.Fatalf("restored disks %+v, empty %q", r.State.Disks, r.EmptyDisks)
	}
	for _, d := range r.State.Disks {
		if d.SizeGiB < 1 || !strings.HasPrefix(d.Path, "[LocalDS_0] three-restored/") {
			t.Errorf("restored disk %+v", d)
		}
	}
	if n, c := e.host.CountMethod("CreateVirtualDisk_Task"), e.host.CountMethod("CopyVirtualDisk_Task"); n != 2 || c != 1 {
		t.Errorf("CreateVirtualDisk_Task %d, CopyVirtualDisk_Task %d; want 2 and 1", n, c)
	}
}
