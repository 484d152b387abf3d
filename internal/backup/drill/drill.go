// Package drill runs restore drills of ceso backups (ceso_backup's verify
// = "boot"): a backup is only as good as a restore from it, so the drill
// restores it as a temporary VM, powers it on, waits for its guest's
// VMware Tools heartbeat (and an IP address when asked), records the
// result in the backup's manifest, and deletes the VM with its files.
//
// The temporary VM never reaches the network its backup's VM is on: its
// adapters are added unplugged (not connected, not at power-on, not by the
// guest), or on an isolated port group the caller names. Its name says what
// it is, "<vm name>-ceso-drill-<backup id>", and it carries ceso's marker
// with the backup's id (ceso.restored-from) and a create lease the drill
// renews until the VM is gone. Whatever ends a drill (a failure, the
// timeout, a cancelled context) the VM is deleted before Run returns; if the
// process dies mid-drill, the lease runs out and the next drill (Sweep)
// removes the VM. Nothing survives a failed drill.
//
// The package is domain logic without Terraform types, on top of the backup
// package (the manifest) and the vm package (restore into a new VM, power,
// waits, deletion). Policy, audit and metrics are the caller's (the
// provider's guard, action backup_drill).
package drill

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/esxi-commander/terraform-provider-ceso/internal/backup"
	"github.com/esxi-commander/terraform-provider-ceso/internal/esxi"
	"github.com/esxi-commander/terraform-provider-ceso/internal/vm"
)

// DefaultTimeout bounds the wait for the guest when the Spec gives none.
const DefaultTimeout = 5 * time.Minute

// cleanupTimeout bounds the deletion of the temporary VM and the manifest
// record, which run even when the caller's context is cancelled.
const cleanupTimeout = 5 * time.Minute

// Infix marks the name of a drill's VM: "<vm name>-ceso-drill-<backup id>".
const Infix = "-ceso-drill-"

// maxVMName is the longest VM name vSphere accepts.
const maxVMName = 80

// Spec is one drill.
type Spec struct {
	// Backup is the folder or manifest path of a complete backup.
	Backup string
	// Network, when set, is an isolated port group the drill VM's adapters
	// are connected to; empty, they are added unplugged on the backed-up
	// VM's networks.
	Network string
	// Timeout bounds the wait for the heartbeat (and the IP address);
	// DefaultTimeout when zero.
	Timeout time.Duration
	// WaitForIP also waits, within Timeout, for the guest to report an IP
	// address.
	WaitForIP bool
	// Datacenter places the drill VM (vCenter); the provider's default
	// when empty.
	Datacenter string
}

// Result is what a drill did.
type Result struct {
	Drill backup.Drill
	// Manifest is the backup's manifest with the drill recorded (nil when
	// recording failed; Err says why).
	Manifest *backup.Manifest
	// Swept names the drill VMs of dead processes removed before this one.
	Swept []string
	// Warnings are problems that did not decide the drill's result.
	Warnings []string
}

// Runner runs drills against one endpoint.
type Runner struct {
	client  *esxi.Client
	Backups *backup.Manager
	VMs     *vm.Manager
	now     func() time.Time
	// hook, in tests, runs after each step; errAbandon from it stops the
	// drill on the spot without any clean-up, as a killed process would.
	hook func(step string) error
}

// errAbandon, returned by a test hook, simulates the death of the process.
var errAbandon = errors.New("drill abandoned (simulated crash)")

// New returns a Runner over the two managers of the endpoint c.
func New(c *esxi.Client, b *backup.Manager, v *vm.Manager) *Runner {
	return &Runner{client: c, Backups: b, VMs: v, now: time.Now}
}

// CheckNetwork checks at plan time that the isolated port group a drill is
// to use exists, so a typo fails the plan rather than the drill.
func (r *Runner) CheckNetwork(ctx context.Context, name, datacenter string) error {
	snap, err := r.client.Inventory.Get(ctx)
	if err != nil {
		return err
	}
	if _, err := snap.FindNetwork(name, datacenter); err != nil {
		return &backup.FieldError{Field: "drill_network", Summary: "Drill Network Not Found", Err: err,
			Detail: err.Error() + ". drill_network must name an existing (isolated) port group; leave it unset to add the drill VM's adapters unplugged."}
	}
	return nil
}

// Name is the drill VM's name for a backup: the VM's name (shortened so
// the whole stays within vSphere's 80 characters), Infix, the backup id.
func Name(vmName, backupID string) string {
	keep := maxVMName - len(Infix) - len(backupID)
	if len(vmName) > keep {
		vmName = vmName[:keep]
	}
	return vmName + Infix + backupID
}

// IsDrillVM reports whether v is a drill's VM: ceso's marker (checked by
// the caller), a name Name gives, and the backup id of that name in
// ceso.restored-from. A user's VM never has all three.
func IsDrillVM(v *esxi.VM) bool {
	i := strings.LastIndex(v.Name, Infix)
	if i < 0 {
		return false
	}
	id := v.Name[i+len(Infix):]
	return backup.ValidID(id) && v.ExtraConfig[vm.KeyRestoredFrom] == id
}

// Sweep removes the drill VMs whose drill died: their lease ran out and no
// host task works on them.
func (r *Runner) Sweep(ctx context.Context) ([]string, error) {
	return r.VMs.RemoveExpired(ctx, IsDrillVM)
}

func (r *Runner) step(name string) error {
	if r.hook != nil {
		return r.hook(name)
	}
	return nil
}

// Run runs one drill. The error is nil when the drill ran, passed or not
// (Result.Drill says which); it is set when the backup cannot be drilled at
// all (not found, not complete) or the result could not be recorded.
func (r *Runner) Run(ctx context.Context, spec Spec) (*Result, error) {
	start := r.now()
	man, err := r.Backups.Read(ctx, spec.Backup)
	if err != nil {
		return nil, err
	}
	if !man.Good() {
		return nil, fmt.Errorf("backup %s has status %q: only a complete backup can be drilled", man.ID, man.Status)
	}
	res := &Result{Drill: backup.Drill{Started: start.UTC(), VMName: Name(man.VM.Name, man.ID)}}
	if res.Swept, err = r.Sweep(ctx); err != nil {
		res.Warnings = append(res.Warnings, fmt.Sprintf("removing the VMs of earlier drills that died failed: %v", err))
	}
	reason, err := r.exercise(ctx, spec, man, res)
	if errors.Is(err, errAbandon) {
		return nil, err
	}
	res.Drill.Finished = r.now().UTC()
	res.Drill.DurationSeconds = res.Drill.Finished.Sub(start).Seconds()
	res.Drill.Result = backup.DrillOK
	if reason != "" {
		res.Drill.Result, res.Drill.Reason = backup.DrillFailed, reason
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	res.Manifest, err = r.Backups.RecordDrill(rctx, man.Dir, res.Drill)
	if err != nil {
		return res, fmt.Errorf("record the drill in %s: %w", man.ManifestPath(), err)
	}
	return res, nil
}

// exercise restores, boots, waits and deletes; it returns why the drill
// failed ("" when it passed).
func (r *Runner) exercise(ctx context.Context, spec Spec, man *backup.Manifest, res *Result) (string, error) {
	timeout := spec.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	nics := make([]vm.NIC, 0, len(man.VM.NICs))
	for _, n := range man.VM.NICs {
		nic := vm.NIC{AdapterType: n.AdapterType, Network: n.Network, Disconnected: spec.Network == ""}
		if spec.Network != "" {
			nic.Network = spec.Network
		}
		nics = append(nics, nic)
	}
	vspec := vm.Spec{Name: res.Drill.VMName, Backup: man.ManifestPath(), Datacenter: spec.Datacenter, NICs: nics, Power: vm.PowerOn}
	if man.VM.Annotation != "" {
		// The backed-up VM's notes, as a restore of its .vmx would have
		// them: tools that key on them (and the simulator's silent guest)
		// see the drill VM as the VM it restores.
		notes := man.VM.Annotation
		vspec.Notes = &notes
	}
	created, err := r.VMs.Create(ctx, vspec, vm.Options{KeepLease: true})
	var uuid string
	if created != nil && created.State != nil {
		uuid = created.State.UUID
	}
	if uuid == "" {
		// Create removed what it made, or, when that failed too, left it
		// under its lease for the next sweep.
		lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
		defer cancel()
		_, lerr := r.VMs.Lookup(lctx, res.Drill.VMName, vm.ReadOptions{})
		res.Drill.CleanedUp = vm.IsNotFound(lerr)
		if !res.Drill.CleanedUp {
			res.Warnings = append(res.Warnings, fmt.Sprintf("the failed restore may have left the drill VM %s; the next drill removes it once its lease ran out", res.Drill.VMName))
		}
		return "the restore failed: " + errText(err), nil
	}
	stop, herr := r.VMs.HoldLease(ctx, uuid)
	if herr != nil {
		stop = func() {}
	}
	if err := r.step("powered-on"); err != nil {
		stop() // the process is gone: nobody renews the lease
		return "", err
	}
	reason := ""
	switch {
	case err != nil:
		reason = "the restored VM did not power on: " + errText(err)
	default:
		reason = r.watch(ctx, uuid, timeout, spec.WaitForIP, res)
	}
	// Always, and even when the caller gave up: nothing of a drill stays.
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	_, derr := r.VMs.Delete(cctx, uuid)
	stop()
	res.Drill.CleanedUp = derr == nil
	if derr != nil {
		res.Warnings = append(res.Warnings, fmt.Sprintf("deleting the drill VM %s failed (%v); the next drill removes it once its lease ran out", res.Drill.VMName, derr))
	}
	return reason, nil
}

// watch waits for the heartbeat, then the address; it returns why the guest
// did not pass ("" when it did).
func (r *Runner) watch(ctx context.Context, uuid string, timeout time.Duration, wantIP bool, res *Result) string {
	deadline := r.now().Add(timeout)
	if err := r.VMs.WaitForGuest(ctx, uuid, timeout); err != nil {
		return "the guest did not boot: " + errText(err)
	}
	if !wantIP {
		return ""
	}
	st, err := r.VMs.WaitForIP(ctx, uuid, max(time.Until(deadline), time.Second))
	if err != nil {
		return "the guest reported no IP address: " + errText(err)
	}
	res.Drill.IP = st.DefaultIP
	if res.Drill.IP == "" && len(st.IPAddresses) > 0 {
		res.Drill.IP = st.IPAddresses[0]
	}
	return ""
}

func errText(err error) string {
	if err == nil {
		return "unknown error"
	}
	return err.Error()
}
