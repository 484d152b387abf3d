package image

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/ovf"
	"github.com/vmware/govmomi/ovf/importer"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/esxi"
	"github.com/esxi-commander/terraform-provider-ceso/internal/vm"
)

// Check is the plan-time check of a new image: the placement resolves, the
// name is free, the source opens and its descriptor agrees with the
// network mappings and properties, and the datastore has room. It reads
// the source only up to the end of the descriptor.
func (m *Manager) Check(ctx context.Context, s Spec) error {
	snap, err := m.client.Inventory.Get(ctx)
	if err != nil {
		return err
	}
	pl, err := resolvePlacement(snap, s, m.client.Facts().IsVCenter)
	if err != nil {
		return err
	}
	// A ceso image holding the name may be the one this plan replaces
	// (Terraform plans the create half of a replacement without the old
	// state); the import refuses it if it is still there at apply.
	if err := checkName(snap, pl, s.Name, true); err != nil {
		return err
	}
	p, err := openPackage(ctx, m.Opener, s.Source)
	if err != nil {
		return err
	}
	defer p.Close()
	if err := p.pin(ctx, s.SourceSHA256); err != nil {
		return err
	}
	if err := checkDescriptor(p.env, s); err != nil {
		return err
	}
	return checkSpace(pl, requiredBytes(p.env, s))
}

func checkSpace(pl *placement, need int64) error {
	if free := pl.datastore.FreeSpace; need > 0 && free < need {
		return fieldErr("datastore", "Not Enough Space On Datastore",
			"the image needs about %d MiB on %s, which has %d MiB free. Free space or choose another datastore.",
			need>>20, pl.datastore.Name, free>>20)
	}
	return nil
}

// checkName refuses a name an existing VM holds, unless it is the leftover
// of an interrupted import (removed by the import that follows) or, with
// allowImages, an image ceso deployed.
func checkName(snap *esxi.Snapshot, pl *placement, name string, allowImages bool) error {
	for _, v := range snap.VMs {
		state := v.ExtraConfig[KeyImage]
		if allowImages && state == StateReady {
			continue
		}
		if v.Datacenter == pl.dc.Name && v.Name == name && state != StateImporting {
			return fieldErr("name", "Name Already In Use",
				"a VM or template named %q already exists (%s). Choose another name, or import it: terraform import <address> %s.", name, v.Path, v.UUID)
		}
	}
	return nil
}

// Import deploys the image. On any failure (a bad source, a checksum
// mismatch, a host fault, a cancelled apply) the lease is aborted and the
// VM the host started to create is removed, so nothing is left behind.
// progress (may be nil) receives upload reports.
func (m *Manager) Import(ctx context.Context, s Spec, progress func(Progress)) (*Image, error) {
	if err := m.client.CheckWritable(); err != nil {
		return nil, err
	}
	m.client.Inventory.Invalidate()
	snap, err := m.client.Inventory.Get(ctx)
	if err != nil {
		return nil, err
	}
	vcenter := m.client.Facts().IsVCenter
	pl, err := resolvePlacement(snap, s, vcenter)
	if err != nil {
		return nil, err
	}
	if err := checkName(snap, pl, s.Name, false); err != nil {
		return nil, err
	}
	defer m.client.Inventory.Invalidate()
	if err := m.removeLeftovers(ctx, snap, pl, s.Name); err != nil {
		return nil, err
	}
	p, err := openPackage(ctx, m.Opener, s.Source)
	if err != nil {
		return nil, err
	}
	defer p.Close()
	if err := p.pin(ctx, s.SourceSHA256); err != nil {
		return nil, err
	}
	if err := checkDescriptor(p.env, s); err != nil {
		return nil, err
	}
	if err := checkSpace(pl, requiredBytes(p.env, s)); err != nil {
		return nil, err
	}
	id := newID()
	var ref types.ManagedObjectReference
	var warnings []string
	err = m.client.Pool.WithSession(ctx, func(ctx context.Context, ss *esxi.Session) error {
		var err error
		ref, err = m.deploy(ctx, ss, pl, p, s, id, progress, &warnings)
		return err
	})
	if err != nil {
		if cerr := m.cleanup(context.WithoutCancel(ctx), id); cerr != nil {
			err = fmt.Errorf("%w; removing the partly imported VM also failed, remove %q by hand: %w", err, s.Name, cerr)
		}
		return nil, err
	}
	m.client.Inventory.Invalidate()
	snap, err = m.client.Inventory.Get(ctx)
	if err != nil {
		return nil, err
	}
	v, ok := snap.VMByRef(ref.Value)
	if !ok {
		return nil, fmt.Errorf("the imported image %s (%s) is not in the inventory", s.Name, ref.Value)
	}
	img := toImage(v)
	img.Warnings = warnings
	return img, nil
}

// deploy runs the import on one session: import spec, lease, uploads,
// checksum, completion, then the ready (and template) marks.
func (m *Manager) deploy(ctx context.Context, ss *esxi.Session, pl *placement, p *pkg, s Spec, id string, progress func(Progress), warnings *[]string) (types.ManagedObjectReference, error) {
	var none types.ManagedObjectReference
	cisp := types.OvfCreateImportSpecParams{
		EntityName:             s.Name,
		DiskProvisioning:       string(provisioning[s.DiskProvisioning]),
		OvfManagerCommonParams: types.OvfManagerCommonParams{Locale: "US"},
	}
	for _, k := range sortedKeys(s.OVFProperties) {
		cisp.PropertyMapping = append(cisp.PropertyMapping, importer.OVFMap([]importer.Property{{KeyValue: importer.KeyValue{Key: k, Value: s.OVFProperties[k]}}})...)
	}
	for _, k := range sortedKeys(s.NetworkMappings) {
		cisp.NetworkMapping = append(cisp.NetworkMapping, types.OvfNetworkMapping{Name: k, Network: pl.networks[k]})
	}
	res, err := ovf.NewManager(ss.Client).CreateImportSpec(ctx, string(p.desc), pl.pool, pl.datastore.Ref, &cisp)
	if err != nil {
		return none, esxi.Wrap("create the import spec for "+p.describe(), err)
	}
	if len(res.Error) > 0 {
		msgs := make([]string, 0, len(res.Error))
		for _, e := range res.Error {
			msgs = append(msgs, e.LocalizedMessage)
		}
		return none, fieldErr("source", "Host Refuses The OVF Package", "%s: %s", p.describe(), strings.Join(msgs, "; "))
	}
	for _, w := range res.Warning {
		*warnings = append(*warnings, w.LocalizedMessage)
	}
	spec, ok := res.ImportSpec.(*types.VirtualMachineImportSpec)
	if !ok {
		return none, fieldErr("source", "Unsupported OVF Package", "%s describes a vApp (%T); ceso_image deploys one VM.", p.describe(), res.ImportSpec)
	}
	until, ok := ctx.Deadline()
	if !ok {
		until = time.Now().Add(defaultLease)
	}
	spec.ConfigSpec.ExtraConfig = append(spec.ConfigSpec.ExtraConfig,
		&types.OptionValue{Key: KeyImage, Value: StateImporting},
		&types.OptionValue{Key: KeyCreateID, Value: id},
		&types.OptionValue{Key: KeyLeaseUntil, Value: until.UTC().Format(time.RFC3339)})
	pool := object.NewResourcePool(ss.Client, pl.pool)
	folder := object.NewFolder(ss.Client, pl.folder)
	var host *object.HostSystem
	if pl.host != nil {
		host = object.NewHostSystem(ss.Client, *pl.host)
	}
	lease, err := pool.ImportVApp(ctx, spec, folder, host)
	if err != nil {
		return none, esxi.Wrap("start the import of "+s.Name, err)
	}
	info, err := lease.Wait(ctx, res.FileItem)
	if err != nil {
		_ = lease.Abort(context.WithoutCancel(ctx), nil)
		return none, esxi.Wrap("create the VM for "+s.Name, err)
	}
	if err := m.upload(ctx, lease, info, p, progress); err != nil {
		_ = lease.Abort(context.WithoutCancel(ctx), &types.LocalizedMethodFault{Fault: &types.FileFault{}, LocalizedMessage: err.Error()})
		return info.Entity, err
	}
	if err := p.verify(s.SourceSHA256); err != nil {
		_ = lease.Abort(context.WithoutCancel(ctx), &types.LocalizedMethodFault{Fault: &types.FileFault{}, LocalizedMessage: "checksum mismatch"})
		return info.Entity, err
	}
	if err := lease.Complete(ctx); err != nil {
		return info.Entity, esxi.Wrap("complete the import of "+s.Name, err)
	}
	return info.Entity, finish(ctx, ss, info.Entity, s, m.client.Facts().IsVCenter)
}

// finish marks the imported VM ready and, when asked, a template: vCenter's
// own flag there, the ceso marker on a standalone host (which has no
// template flag), the marker ceso_templates and ceso_vm.template read.
func finish(ctx context.Context, ss *esxi.Session, ref types.ManagedObjectReference, s Spec, vcenter bool) error {
	obj := object.NewVirtualMachine(ss.Client, ref)
	extra := []types.BaseOptionValue{&types.OptionValue{Key: KeyImage, Value: StateReady}}
	if s.SourceSHA256 != "" {
		extra = append(extra, &types.OptionValue{Key: KeySHA256, Value: strings.ToLower(s.SourceSHA256)})
	}
	if s.Template && !vcenter {
		extra = append(extra, &types.OptionValue{Key: vm.KeyTemplate, Value: "true"})
	}
	task, err := obj.Reconfigure(ctx, types.VirtualMachineConfigSpec{ExtraConfig: extra})
	if _, err := esxi.WaitTask(ctx, "mark image "+s.Name+" ready", task, err); err != nil {
		return err
	}
	if s.Template && vcenter {
		if err := obj.MarkAsTemplate(ctx); err != nil {
			return esxi.Wrap("mark image "+s.Name+" as a template", err)
		}
	}
	return nil
}

// cleanup removes whatever an import attempt created: the VM that carries
// its create id, if the host kept it after the lease was aborted.
func (m *Manager) cleanup(ctx context.Context, id string) error {
	m.client.Inventory.Invalidate()
	snap, err := m.client.Inventory.Get(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, v := range snap.VMs {
		if v.ExtraConfig[KeyCreateID] != id {
			continue
		}
		err := m.client.Pool.WithSession(ctx, func(ctx context.Context, ss *esxi.Session) error {
			return destroy(ctx, ss, v.Ref, v.Name)
		})
		errs = append(errs, err)
	}
	m.client.Inventory.Invalidate()
	return errors.Join(errs...)
}

// Leftover returns the UUID of a VM of this name that an interrupted import
// left marked "importing" ("" when there is none), which the next import
// removes once its lease has run out.
func (m *Manager) Leftover(ctx context.Context, name, datacenter string) (string, error) {
	snap, err := m.client.Inventory.Get(ctx)
	if err != nil {
		return "", err
	}
	for _, v := range snap.VMs {
		if v.Name == name && (datacenter == "" || v.Datacenter == datacenter) && v.ExtraConfig[KeyImage] == StateImporting {
			return v.UUID, nil
		}
	}
	return "", nil
}

// defaultLease bounds an import without a deadline of its own.
const defaultLease = 4 * time.Hour

// removeLeftovers removes VMs of this name left "importing" by an earlier
// import that was killed before it could clean up. One whose lease has not
// run out may still be uploading in another apply: it is left alone and
// this import refused.
func (m *Manager) removeLeftovers(ctx context.Context, snap *esxi.Snapshot, pl *placement, name string) error {
	for _, v := range snap.VMs {
		if v.Datacenter != pl.dc.Name || v.Name != name || v.ExtraConfig[KeyImage] != StateImporting {
			continue
		}
		if until, err := time.Parse(time.RFC3339, v.ExtraConfig[KeyLeaseUntil]); err == nil && time.Now().Before(until) {
			return fieldErr("name", "Import In Progress",
				"another deployment of %q is running (%s, marked importing until %s). Wait for it, or if it was killed, remove the VM or wait until then: ceso removes it at the next apply after that.",
				name, v.Path, until.Format(time.RFC3339))
		}
		if m.ConfirmRemove != nil {
			if err := m.ConfirmRemove(ctx, v.UUID, v.Path); err != nil {
				return err
			}
		}
		err := m.client.Pool.WithSession(ctx, func(ctx context.Context, ss *esxi.Session) error {
			return destroy(ctx, ss, v.Ref, v.Name)
		})
		if err != nil {
			return fmt.Errorf("remove %s, left by an interrupted import: %w", v.Path, err)
		}
	}
	return nil
}

func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
