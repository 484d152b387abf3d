package provider

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/boolplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64default"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/listplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/mapplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/setplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/esxi-commander/terraform-provider-ceso/internal/backup"
	"github.com/esxi-commander/terraform-provider-ceso/internal/guard"
	"github.com/esxi-commander/terraform-provider-ceso/internal/policy"
)

var (
	_ resource.ResourceWithConfigure   = (*backupResource)(nil)
	_ resource.ResourceWithImportState = (*backupResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*backupResource)(nil)
)

// NewBackupResource returns the ceso_backup resource; version is recorded
// in the manifests it writes.
func NewBackupResource(version string) func() resource.Resource {
	return func() resource.Resource { return &backupResource{version: version} }
}

type backupResource struct {
	resourceData
	version string
}

const backupType = "ceso_backup"

// destinationPattern is the shape of a datastore folder, "[datastore] folder".
var destinationPattern = regexp.MustCompile(`^\[[^\]]+\]`)

// backups returns the backup domain API, or reports that no host is configured.
func (d *providerData) backups(diags *diag.Diagnostics) backup.API {
	if d == nil || d.client == nil {
		noHostConfigured(diags, "Backups are made on an ESXi host or vCenter.")
		return nil
	}
	return d.backupAPI
}

// addBackupError reports a domain error on the attribute it blames.
func addBackupError(diags *diag.Diagnostics, summary string, err error) {
	if fe, ok := backup.AsFieldError(err); ok {
		diags.AddAttributeError(path.Root(fe.Field), fe.Summary, fe.Detail)
		return
	}
	diags.AddError(summary, err.Error())
}

func (r *backupResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_backup"
}

func (r *backupResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	replaceS := []planmodifier.String{stringplanmodifier.RequiresReplace()}
	replaceB := []planmodifier.Bool{boolplanmodifier.RequiresReplace()}
	resp.Schema = schema.Schema{
		// Version 1: verify became a string ("boot" runs a restore drill).
		Version: 1,
		MarkdownDescription: "One hot backup of a VM: a snapshot without memory, copies of the base disks and of the `.vmx` and `.nvram` " +
			"in `<destination>/<vm name>/<id>/`, a `manifest.json` written last, the snapshot removed. The manifest is the catalog: " +
			"the `ceso_backups` data source lists backups from any machine, and `ceso_vm` restores one with `backup`. " +
			"A change of `triggers` (or of any other argument but `keep`, `retention` and `retain_on_destroy`) makes a new backup.",
		Attributes: map[string]schema.Attribute{
			"id": readOnlyString("Backup id, also the name of its folder: the UTC time it started and four hex digits, e.g. `20261125T221500Z-3f9a`."),
			"vm": schema.StringAttribute{Required: true, PlanModifiers: replaceS,
				MarkdownDescription: "Instance UUID of the VM to back up, e.g. `ceso_vm.web.id`."},
			"destination": schema.StringAttribute{Required: true, PlanModifiers: replaceS,
				MarkdownDescription: "Datastore folder that holds the backups, as `[datastore] folder` (e.g. `[backup01] ceso`). Each backup goes to `<folder>/<vm name>/<id>/`.",
				Validators:          []validator.String{stringvalidator.RegexMatches(destinationPattern, `must be "[datastore] folder"`)}},
			"quiesce": schema.BoolAttribute{Optional: true, Computed: true, Default: booldefault.StaticBool(false), PlanModifiers: replaceB,
				MarkdownDescription: "Quiesce the guest's file systems through VMware Tools for the snapshot. When Tools do not run in the guest, the backup is crash consistent and the apply warns."},
			"disk_format": schema.StringAttribute{Optional: true, Computed: true, Default: stringdefault.StaticString("thin"), PlanModifiers: replaceS,
				MarkdownDescription: "Provisioning of the disk copies: `thin` (default), `thick` or `eager_zeroed`. A restore makes the disks as the source VM had them.",
				Validators:          []validator.String{stringvalidator.OneOf("thin", "thick", "eager_zeroed")}},
			"keep": schema.Int64Attribute{Optional: true, Computed: true, Default: int64default.StaticInt64(0),
				MarkdownDescription: "Retention: how many complete backups of this VM under `destination` to keep, this one included. Older ones (and failed attempts) are removed after a backup succeeded, never before. `0` (default) keeps them all. Changes take effect at the next backup. " +
					"An alias of `retention.keep_last`, kept for existing configurations; setting both is an error. For daily, weekly and monthly rules use the `retention` block.",
				Validators: []validator.Int64{int64validator.AtLeast(0)}},
			"triggers": schema.MapAttribute{Optional: true, ElementType: types.StringType,
				PlanModifiers:       []planmodifier.Map{mapplanmodifier.RequiresReplace()},
				MarkdownDescription: "Arbitrary values; a change makes a new backup (like `terraform_data`'s `triggers_replace`), e.g. `{ day = formatdate(\"YYYY-MM-DD\", plantimestamp()) }` for one backup a day."},
			"verify": verifyAttribute(),
			"allow_existing_snapshots": schema.BoolAttribute{Optional: true, Computed: true, Default: booldefault.StaticBool(false), PlanModifiers: replaceB,
				MarkdownDescription: "Back up a VM that has snapshots of its own: its disks are copied as they are now, the snapshot chain consolidated into the copy; the snapshots themselves are not kept. Without it such a VM is refused."},
			"exclude_disks": schema.SetAttribute{Optional: true, ElementType: types.StringType,
				PlanModifiers: []planmodifier.Set{setplanmodifier.RequiresReplace()},
				Validators:    []validator.Set{setvalidator.ValueStringsAre(stringvalidator.LengthAtLeast(1))},
				MarkdownDescription: "Disks to leave out of the backup, each by its label (`\"Hard disk 2\"`) or its place as `ceso_vm` names it: controller, bus and unit (`\"scsi:0:1\"`, or `\"0:1\"` when only one controller family has that bus and unit). " +
					"A name that matches no disk fails the plan and lists the VM's disks. The manifest records each disk left out; a restore makes it again, **empty**, with its recorded size."},
			"skip_independent_disks": schema.BoolAttribute{Optional: true, Computed: true, Default: booldefault.StaticBool(false), PlanModifiers: replaceB,
				MarkdownDescription: "Back up a VM that has disks a snapshot does not cover (independent modes, raw device mappings) by leaving those disks out, with a warning naming each; without it such a VM is refused. " +
					"The manifest records each disk left out; a restore makes it again, **empty**, with its recorded size."},
			"retain_on_destroy": schema.BoolAttribute{Optional: true, Computed: true, Default: booldefault.StaticBool(true),
				MarkdownDescription: "Keep the backup's folder when the resource is destroyed or replaced (default `true`): a replacement (a new `triggers` value) then never deletes the last complete backup before its successor is complete, and `keep` prunes old backups only after a new one succeeded. " +
					"Set `false` to delete the folder on destroy, a destructive action that needs an elevation in standard mode; a replacement then deletes the old backup first unless the resource has `lifecycle { create_before_destroy = true }`."},

			"vm_name":       readOnlyString("Name of the VM when it was backed up (the folder under `destination`)."),
			"time":          readOnlyString("When the backup started (RFC 3339, UTC)."),
			"path":          readOnlyString("The backup's folder, `[datastore] folder/<vm name>/<id>`."),
			"manifest_path": readOnlyString("Datastore path of the backup's `manifest.json`: what `ceso_vm`'s `backup` takes."),
			"status":        readOnlyString("Status in the manifest: `complete` (a resource only ever records complete backups)."),
			"size_bytes": schema.Int64Attribute{Computed: true, PlanModifiers: []planmodifier.Int64{int64planmodifier.UseStateForUnknown()},
				MarkdownDescription: "Bytes the backup's files take on the datastore."},
			"files": schema.ListAttribute{Computed: true, ElementType: types.StringType, PlanModifiers: []planmodifier.List{listplanmodifier.UseStateForUnknown()},
				MarkdownDescription: "Datastore paths of the backup's files (disks, their data files, `.vmx`, `.nvram`), without the manifest."},
			"skipped_disks": schema.ListAttribute{Computed: true, ElementType: types.StringType, PlanModifiers: []planmodifier.List{listplanmodifier.UseStateForUnknown()},
				MarkdownDescription: "Places (`scsi:0:1`) of the VM's disks the backup left out (`exclude_disks`, `skip_independent_disks`); a restore makes them again, empty."},
			"quiesced": schema.BoolAttribute{Computed: true, PlanModifiers: []planmodifier.Bool{boolplanmodifier.UseStateForUnknown()},
				MarkdownDescription: "Whether the snapshot was quiesced through VMware Tools."},
		},
		Blocks: map[string]schema.Block{
			"timeouts":  backupTimeouts(ctx),
			"retention": retentionBlock(),
		},
	}
	for k, a := range drillAttributes() {
		resp.Schema.Attributes[k] = a
	}
}

// backupTimeouts is the timeouts block, described for the docs.
func backupTimeouts(ctx context.Context) schema.Block {
	b := timeouts.Block(ctx, timeouts.Opts{Create: true, Delete: true})
	if nb, ok := b.(schema.SingleNestedBlock); ok {
		nb.MarkdownDescription = "How long a backup (`create`, default 4h) and the deletion of its folder (`delete`, default 30m) may take."
		return nb
	}
	return b
}

// ModifyPlan warns about a change the guard will refuse, and checks at plan
// time that the VM to back up exists.
func (r *backupResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	plan, state, ok := planAndState[backupModel](ctx, req, resp)
	if !ok {
		return
	}
	deleteAction := policy.ActionBackupDelete
	if state.RetainOnDestroy.ValueBool() {
		deleteAction = policy.ActionDiscard
	}
	object := state.VMName.ValueString()
	if req.Plan.Raw.IsNull() {
		r.data.guardPlan(req, resp, backupType, object, state.ID.ValueString(), deleteAction)
		return
	}
	// ModifyPlan does not see RequiresReplace set by attribute plan
	// modifiers, so the replacing attributes are compared here.
	reasons := []string(nil)
	if !req.State.Raw.IsNull() {
		reasons = backupReplaceReasons(&state, &plan)
	}
	replaced := len(reasons) > 0
	newBackup := req.State.Raw.IsNull() || replaced
	// The VM must exist for a new backup; an existing backup outlives its VM.
	if newBackup && r.data != nil && r.data.client != nil && known(plan.VM) {
		name, err := r.data.backups(&resp.Diagnostics).VMName(ctx, plan.VM.ValueString())
		if err != nil {
			addBackupError(&resp.Diagnostics, "Cannot Find VM", err)
			return
		}
		object = name
	}
	// A disk name that matches nothing fails the plan too.
	if newBackup && r.data != nil && r.data.client != nil && known(plan.VM) && !plan.ExcludeDisks.IsUnknown() {
		if err := r.data.backups(&resp.Diagnostics).CheckDisks(ctx, plan.VM.ValueString(), plan.excludeDisks(ctx, &resp.Diagnostics)); err != nil {
			addBackupError(&resp.Diagnostics, "Invalid exclude_disks", err)
			return
		}
	}
	// A destination typo fails the plan, like a VM's datastore, not the apply.
	if newBackup && r.data != nil && r.data.client != nil && known(plan.Destination) {
		if err := r.data.backups(&resp.Diagnostics).CheckDestination(ctx, plan.VM.ValueString(), plan.Destination.ValueString()); err != nil {
			addBackupError(&resp.Diagnostics, "Invalid Destination", err)
			return
		}
	}
	if newBackup && r.data != nil && r.data.drills != nil && plan.Verify.ValueString() == backup.VerifyBoot && known(plan.DrillNetwork) &&
		!r.data.isArriving(arrivingNetwork, plan.DrillNetwork.ValueString()) {
		if err := r.data.drills.CheckNetwork(ctx, plan.DrillNetwork.ValueString(), r.data.datacenterScope(types.StringNull())); err != nil {
			addBackupError(&resp.Diagnostics, "Invalid Drill Network", err)
			return
		}
	}
	switch {
	case req.State.Raw.IsNull():
		r.data.warnIfRefused(&resp.Diagnostics, backupCreateOp(object, &plan))
	case replaced: // a new backup, and the old one goes unless retained
		if !state.RetainOnDestroy.ValueBool() {
			resp.Diagnostics.AddWarning("Old Backup Deleted Before The New One Exists",
				fmt.Sprintf("Changing %s makes a new backup. With retain_on_destroy = false, Terraform deletes the old backup (%s) first, so until the new one is complete there is none. "+
					"Set retain_on_destroy = true (the default; keep then prunes old backups only after a new one succeeded), or add lifecycle { create_before_destroy = true }.",
					strings.Join(reasons, ", "), state.Path.ValueString()))
		}
		r.data.warnIfRefused(&resp.Diagnostics, guard.Op{ResourceType: backupType, Object: object, ID: state.ID.ValueString(), Action: deleteAction})
		r.data.warnIfRefused(&resp.Diagnostics, backupCreateOp(object, &plan))
	default:
		r.data.guardPlan(req, resp, backupType, object, state.ID.ValueString(), deleteAction)
	}
}

// backupCreateOp is a new backup as the plan sees it: with retention, it
// may prune older backups (backup_prune), which the apply decides on what
// it finds then.
func backupCreateOp(object string, plan *backupModel) guard.Op {
	op := guard.Op{ResourceType: backupType, Object: object, ID: plan.VM.ValueString(), Action: policy.ActionCreate}
	if plan.retention().Active() {
		op.Effects = []policy.Action{policy.ActionBackupPrune}
	}
	if plan.Verify.ValueString() == backup.VerifyBoot {
		op.Effects = append(op.Effects, policy.ActionBackupDrill)
	}
	return op
}

func (r *backupResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan backupModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	api := r.data.backups(&resp.Diagnostics)
	if resp.Diagnostics.HasError() || api == nil {
		return
	}
	timeout, d := plan.Timeouts.Create(ctx, 4*time.Hour)
	resp.Diagnostics.Append(d...)
	spec := plan.spec(ctx, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	name, err := api.VMName(ctx, spec.VM)
	if err != nil {
		addBackupError(&resp.Diagnostics, "Cannot Find VM", err)
		return
	}
	// Retention removes older backups: that is decided on its own, before
	// the backup starts, whatever the create itself is allowed.
	spec.ConfirmPrune = func(ctx context.Context, dirs []string) error {
		return r.data.guard.Check(ctx, guard.Op{ResourceType: backupType, Object: name, ID: spec.VM, Action: policy.ActionBackupPrune,
			Details: map[string]any{"prunes": dirs, "keep": spec.Keep, "retention": retentionDetails(spec.Retention)}})
	}
	var res *backup.Result
	op := guard.Op{ResourceType: backupType, Object: name, ID: spec.VM, Action: policy.ActionCreate, Details: map[string]any{
		"vm_uuid": spec.VM, "destination": spec.Destination, "exclude_disks": spec.ExcludeDisks, "skip_independent_disks": spec.SkipIndependentDisks, "disk_format": spec.DiskFormat, "keep": spec.Keep, "retention": retentionDetails(spec.Retention), "quiesce": spec.Quiesce}}
	ok := r.data.guarded(ctx, &resp.Diagnostics, op, "Backup Failed", func(ctx context.Context) error {
		var err error
		res, err = api.Backup(ctx, spec)
		if err == nil {
			// Recorded inside the operation, so the push that follows it
			// carries them, not only the one at exit.
			m := r.data.guard.Metrics()
			m.Backup(res.Manifest.SizeBytes, res.Duration)
			m.BackupSucceeded(res.Manifest.VM.Name, res.Manifest.Finished)
		}
		return err
	})
	if res != nil {
		for _, c := range res.CleanedUp {
			resp.Diagnostics.AddWarning("Cleaned Up An Interrupted Backup", "An earlier backup of this VM did not finish; ceso removed what it left: "+c+".")
		}
		for _, w := range res.Warnings {
			resp.Diagnostics.AddWarning("Backup Warning", w)
		}
		if len(res.Pruned) > 0 {
			tflog.Info(ctx, "retention removed older backups", map[string]any{"removed": strings.Join(res.Pruned, ", ")})
		}
	}
	if !ok {
		return
	}
	plan.fill(ctx, res.Manifest, &resp.Diagnostics)
	if plan.Verify.ValueString() == backup.VerifyBoot {
		// The backup is complete whatever the drill says: it goes into the
		// state even when the drill fails (Terraform then taints it).
		if drilled := r.drill(ctx, &plan, res.Manifest, &resp.Diagnostics); drilled != nil {
			plan.fill(ctx, drilled, &resp.Diagnostics)
		}
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// Read reads the manifest back from the datastore; a backup that is gone
// (deleted, or pruned by a later backup's retention) leaves the state, and
// the next plan makes a new one.
func (r *backupResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state backupModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	api := r.data.backups(&resp.Diagnostics)
	if resp.Diagnostics.HasError() || api == nil {
		return
	}
	imported := state.VM.IsNull()
	var man *backup.Manifest
	var err error
	if imported {
		man, err = api.Find(ctx, state.ID.ValueString(), r.data.datacenterScope(types.StringNull()))
	} else {
		man, err = api.Read(ctx, state.ManifestPath.ValueString())
	}
	if backup.IsNotFound(err) && !imported {
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		addBackupError(&resp.Diagnostics, "Cannot Read Backup", err)
		return
	}
	if imported {
		if !man.Good() {
			resp.Diagnostics.AddError("Cannot Import Backup",
				fmt.Sprintf("Backup %s has status %q; only a complete backup can be managed. Its error: %s", man.ID, man.Status, man.Error))
			return
		}
		state.imported(ctx, man, &resp.Diagnostics)
	} else {
		state.fill(ctx, man, &resp.Diagnostics)
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// Update changes only what needs no new backup (keep, retention,
// retain_on_destroy);
// nothing on the host changes, but the guard still sees it.
func (r *backupResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan backupModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	op := guard.Op{ResourceType: backupType, Object: plan.VMName.ValueString(), Action: policy.ActionUpdate,
		Details: map[string]any{"backup_id": plan.ID.ValueString(), "keep": plan.Keep.ValueInt64(), "retention": retentionDetails(plan.retention()), "retain_on_destroy": plan.RetainOnDestroy.ValueBool()}}
	if !r.data.guarded(ctx, &resp.Diagnostics, op, "Cannot Update Backup", func(context.Context) error { return nil }) {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// Delete removes the backup's folder (a destructive action), unless
// retain_on_destroy keeps it.
func (r *backupResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state backupModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	details := map[string]any{"backup_id": state.ID.ValueString(), "path": state.Path.ValueString()}
	if state.RetainOnDestroy.ValueBool() {
		op := guard.Op{ResourceType: backupType, Object: state.VMName.ValueString(), ID: state.ID.ValueString(), Action: policy.ActionDiscard, Details: details}
		if r.data.guarded(ctx, &resp.Diagnostics, op, "Cannot Forget Backup", func(context.Context) error { return nil }) {
			tflog.Info(ctx, "backup retained on destroy", map[string]any{"path": state.Path.ValueString()})
		}
		return
	}
	api := r.data.backups(&resp.Diagnostics)
	if api == nil {
		return
	}
	ctx, cancel := within(ctx, &resp.Diagnostics, state.Timeouts.Delete, 30*time.Minute)
	defer cancel()
	op := guard.Op{ResourceType: backupType, Object: state.VMName.ValueString(), ID: state.ID.ValueString(), Action: policy.ActionBackupDelete, Details: details}
	r.data.guarded(ctx, &resp.Diagnostics, op, "Cannot Delete Backup", func(ctx context.Context) error {
		return api.Delete(ctx, state.Path.ValueString())
	})
}

// ImportState takes a backup id or the datastore path of its folder or
// manifest; Read finds the manifest and fills in everything from it.
func (r *backupResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), strings.TrimSpace(req.ID))...)
}
