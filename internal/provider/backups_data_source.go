package provider

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/backup"
)

var _ datasource.DataSourceWithConfigure = (*backupsDataSource)(nil)

// NewBackupsDataSource returns the ceso_backups data source.
func NewBackupsDataSource() datasource.DataSource { return &backupsDataSource{} }

type backupsDataSource struct{ dataSourceData }

type backupsModel struct {
	Destination types.String  `tfsdk:"destination"`
	Datacenter  types.String  `tfsdk:"datacenter"`
	VMName      types.String  `tfsdk:"vm_name"`
	NewerThan   types.String  `tfsdk:"newer_than"`
	Status      types.String  `tfsdk:"status"`
	Backups     []backupEntry `tfsdk:"backups"`
}

// backupEntry is one backup of the catalog.
type backupEntry struct {
	ID           types.String `tfsdk:"id"`
	VMName       types.String `tfsdk:"vm_name"`
	VMUUID       types.String `tfsdk:"vm_uuid"`
	Time         types.String `tfsdk:"time"`
	Status       types.String `tfsdk:"status"`
	Error        types.String `tfsdk:"error"`
	SizeBytes    types.Int64  `tfsdk:"size_bytes"`
	Disks        types.Int64  `tfsdk:"disks"`
	SkippedDisks types.Int64  `tfsdk:"skipped_disks"`
	Path         types.String `tfsdk:"path"`
	ManifestPath types.String `tfsdk:"manifest_path"`
	Quiesced     types.Bool   `tfsdk:"quiesced"`
	Verified     types.Bool   `tfsdk:"verified"`
	DrillResult  types.String `tfsdk:"drill_result"`
	SourceHost   types.String `tfsdk:"source_host"`
	CesoVersion  types.String `tfsdk:"ceso_version"`
}

func newBackupEntry(e backup.Entry) backupEntry {
	out := backupEntry{ID: types.StringValue(e.ID), VMName: types.StringValue(e.VMName), Status: types.StringValue(e.Status),
		Time: types.StringValue(e.Time.UTC().Format(time.RFC3339)), Path: types.StringValue(e.Dir),
		Error: types.StringValue(e.Problem), VMUUID: types.StringValue(""), SizeBytes: types.Int64Value(0), Disks: types.Int64Value(0), SkippedDisks: types.Int64Value(0),
		ManifestPath: types.StringValue(""), Quiesced: types.BoolValue(false), Verified: types.BoolValue(false),
		SourceHost: types.StringValue(""), CesoVersion: types.StringValue(""), DrillResult: types.StringNull()}
	if m := e.Manifest; m != nil {
		out.VMUUID, out.Error = types.StringValue(m.VM.UUID), types.StringValue(m.Error)
		out.SizeBytes, out.Disks = types.Int64Value(m.SizeBytes), types.Int64Value(int64(len(m.Disks)))
		out.ManifestPath = types.StringValue(m.ManifestPath())
		out.SkippedDisks = types.Int64Value(int64(len(m.Skipped)))
		out.Quiesced, out.Verified = types.BoolValue(m.Quiesced), types.BoolValue(m.Verified)
		out.SourceHost, out.CesoVersion = types.StringValue(m.Source.Host), types.StringValue(m.CesoVersion)
		out.DrillResult = drillResult(m)
	}
	return out
}

func (d *backupsDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_backups"
}

func (d *backupsDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	str := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{Computed: true, MarkdownDescription: desc}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "The backups on a destination, read from their manifests on the datastore, newest first: every machine with " +
			"credentials sees the same catalog. A folder without a manifest (a backup still running, or interrupted) is listed with status " +
			"`incomplete`, never as a good backup.",
		Attributes: map[string]schema.Attribute{
			"destination": schema.StringAttribute{Required: true, MarkdownDescription: "Datastore folder the backups were made to, as `[datastore] folder` (a `ceso_backup`'s `destination`).",
				Validators: []validator.String{stringvalidator.RegexMatches(destinationPattern, `must be "[datastore] folder"`)}},
			"datacenter": schema.StringAttribute{Optional: true, MarkdownDescription: "Datacenter of the datastore (vCenter; default: the provider's `datacenter`)."},
			"vm_name":    schema.StringAttribute{Optional: true, MarkdownDescription: "Only backups of the VM of this name."},
			"newer_than": schema.StringAttribute{Optional: true, MarkdownDescription: "Only backups made after this time: an RFC 3339 time (`2026-11-01T00:00:00Z`) or a duration before now (`168h`)."},
			"status": schema.StringAttribute{Optional: true, MarkdownDescription: "Only backups with this status: `complete`, `failed`, `incomplete` (no manifest) or `invalid` (unreadable manifest).",
				Validators: []validator.String{stringvalidator.OneOf(backup.StatusComplete, backup.StatusFailed, backup.StatusIncomplete, backup.StatusInvalid)}},
			"backups": schema.ListNestedAttribute{Computed: true, MarkdownDescription: "The backups, newest first.",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"id":            str("Backup id."),
					"vm_name":       str("Name of the VM backed up."),
					"vm_uuid":       str("Instance UUID of the VM backed up (empty without a manifest)."),
					"time":          str("When the backup started (RFC 3339, UTC)."),
					"status":        str("`complete`, `failed`, `incomplete` or `invalid`; only `complete` backups can be restored."),
					"error":         str("Why a backup failed, or why its manifest cannot be read."),
					"size_bytes":    schema.Int64Attribute{Computed: true, MarkdownDescription: "Bytes the backup's files take."},
					"disks":         schema.Int64Attribute{Computed: true, MarkdownDescription: "Number of disks backed up."},
					"skipped_disks": schema.Int64Attribute{Computed: true, MarkdownDescription: "Number of the VM's disks the backup left out (`exclude_disks`, `skip_independent_disks`); a restore makes them again, empty."},
					"path":          str("The backup's folder."),
					"manifest_path": str("Datastore path of the manifest: what `ceso_vm`'s `backup` takes."),
					"quiesced":      schema.BoolAttribute{Computed: true, MarkdownDescription: "Whether the snapshot was quiesced through VMware Tools."},
					"verified":      schema.BoolAttribute{Computed: true, MarkdownDescription: "Whether the copies were verified."},
					"drill_result":  schema.StringAttribute{Computed: true, MarkdownDescription: "Result of the backup's restore drill (`verify = \"boot\"`): `ok` or `failed`; null when it was not drilled."},
					"source_host":   str("Host the VM ran on."),
					"ceso_version":  str("Version of ceso that made the backup."),
				}}},
		},
	}
}

func (d *backupsDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m backupsModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	f := backup.Filter{VMName: m.VMName.ValueString(), Status: m.Status.ValueString(), Datacenter: d.data.datacenterScope(m.Datacenter)}
	if s := m.NewerThan.ValueString(); s != "" {
		t, err := parseNewerThan(s, time.Now())
		if err != nil {
			resp.Diagnostics.AddAttributeError(path.Root("newer_than"), "Invalid Time", err.Error())
			return
		}
		f.NewerThan = t
	}
	api := d.data.backups(&resp.Diagnostics)
	if api == nil {
		return
	}
	var entries []backup.Entry
	err := d.data.guard.Read(ctx, "ceso_backups", m.Destination.ValueString(), func(ctx context.Context) error {
		var err error
		entries, err = api.List(ctx, m.Destination.ValueString(), f)
		return err
	})
	if err != nil {
		addBackupError(&resp.Diagnostics, "Cannot List Backups", err)
		return
	}
	m.Backups = make([]backupEntry, 0, len(entries))
	for _, e := range entries {
		m.Backups = append(m.Backups, newBackupEntry(e))
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

// parseNewerThan reads an RFC 3339 time or a duration before now.
func parseNewerThan(s string, now time.Time) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	return time.Time{}, fmt.Errorf("%q is neither an RFC 3339 time such as 2026-11-01T00:00:00Z nor a duration such as 168h", s)
}
