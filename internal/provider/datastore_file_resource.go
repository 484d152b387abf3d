package provider

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/esxi-commander/terraform-provider-ceso/internal/dsfile"
	"github.com/esxi-commander/terraform-provider-ceso/internal/guard"
	"github.com/esxi-commander/terraform-provider-ceso/internal/policy"
)

var (
	_ resource.ResourceWithConfigure   = (*datastoreFileResource)(nil)
	_ resource.ResourceWithImportState = (*datastoreFileResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*datastoreFileResource)(nil)
)

// NewDatastoreFileResource returns the ceso_datastore_file resource.
func NewDatastoreFileResource() resource.Resource { return &datastoreFileResource{} }

type datastoreFileResource struct{ resourceData }

const datastoreFileType = "ceso_datastore_file"

var datastoreFilePattern = regexp.MustCompile(`^\[[^\]]+\] *[^ /].*[^/]$`)

type datastoreFileModel struct {
	ID           types.String   `tfsdk:"id"`
	Path         types.String   `tfsdk:"path"`
	Datacenter   types.String   `tfsdk:"datacenter"`
	Source       types.String   `tfsdk:"source"`
	SourceSHA256 types.String   `tfsdk:"source_sha256"`
	Datastore    types.String   `tfsdk:"datastore"`
	Size         types.Int64    `tfsdk:"size"`
	SHA256       types.String   `tfsdk:"sha256"`
	Modified     types.String   `tfsdk:"modified"`
	Timeouts     timeouts.Value `tfsdk:"timeouts"`
}

func (m *datastoreFileModel) spec(defaultDC string) dsfile.Spec {
	s := dsfile.Spec{Source: m.Source.ValueString(), SourceSHA256: m.SourceSHA256.ValueString(),
		Path: m.Path.ValueString(), Datacenter: m.Datacenter.ValueString()}
	if s.Datacenter == "" {
		s.Datacenter = defaultDC
	}
	return s
}

func (m *datastoreFileModel) fill(f *dsfile.File) {
	m.ID = types.StringValue(f.Path)
	m.Path = types.StringValue(f.Path)
	m.Datastore = types.StringValue(f.Datastore)
	m.Size = types.Int64Value(f.Size)
	if f.SHA256 != "" {
		m.SHA256 = types.StringValue(f.SHA256)
	}
	m.Modified = types.StringNull()
	if u := factsOf(f); u.Modified != "" {
		m.Modified = types.StringValue(u.Modified)
	}
}

// files returns the datastore file domain API, or reports that no host is configured.
func (d *providerData) files(diags *diag.Diagnostics) *dsfile.Manager {
	if d == nil || d.client == nil {
		noHostConfigured(diags, "Files are uploaded to an ESXi host's or vCenter's datastore.")
		return nil
	}
	return dsfile.New(d.client)
}

func (r *datastoreFileResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_datastore_file"
}

func (r *datastoreFileResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	rs, _ := replaceUnlessAdopted()
	replace := stringplanmodifier.RequiresReplace()
	to := timeouts.Block(ctx, timeouts.Opts{Create: true, Delete: true})
	if nb, ok := to.(schema.SingleNestedBlock); ok {
		nb.MarkdownDescription = "How long an upload (`create`, default 2h) and a removal (`delete`, default 10m) may take."
		to = nb
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "A file on a datastore (an ISO, a cloud-init seed image, a VMDK, anything), uploaded from a local path or an http(s) URL. " +
			"The source is streamed (never held in memory whole, never written to a temporary file on the machine running Terraform) " +
			"to a temporary name beside the target, its SHA-256 computed on the way; only a complete upload with a matching checksum is moved to `path`. " +
			"A changed source replaces the file; destroying the resource deletes it (destructive: standard mode needs an elevation). " +
			"ceso never overwrites a file it did not upload. `ceso_vm`'s `cdrom` can point at an ISO uploaded this way.",
		Attributes: map[string]schema.Attribute{
			"id": readOnlyString("The datastore path (same as `path`)."),
			"path": schema.StringAttribute{Required: true, PlanModifiers: []planmodifier.String{replace},
				MarkdownDescription: "Where the file goes, as `[datastore] folder/file`, e.g. `[datastore1] isos/ubuntu.iso`. Missing folders are created.",
				Validators:          []validator.String{stringvalidator.RegexMatches(datastoreFilePattern, `must be "[datastore] folder/file"`)}},
			"datacenter": schema.StringAttribute{Optional: true, PlanModifiers: []planmodifier.String{replace},
				MarkdownDescription: "Datacenter of the datastore (vCenter; default: the provider's `datacenter`, or the only one)."},
			"source": schema.StringAttribute{Required: true, PlanModifiers: []planmodifier.String{rs},
				MarkdownDescription: "The file to upload: a local path or an `http(s)://` URL (the server must send a Content-Length). A change replaces the file.",
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)}},
			"source_sha256": schema.StringAttribute{Optional: true, PlanModifiers: []planmodifier.String{rs},
				MarkdownDescription: "Expected SHA-256 of the source (hex), checked while it streams. On a mismatch nothing is kept on the datastore. A change replaces the file.",
				Validators:          []validator.String{stringvalidator.RegexMatches(sha256Pattern, "must be 64 hexadecimal digits")}},
			"datastore": readOnlyString("Name of the datastore that holds the file."),
			"size": schema.Int64Attribute{Computed: true, PlanModifiers: []planmodifier.Int64{int64planmodifier.UseStateForUnknown()},
				MarkdownDescription: "Size of the file on the datastore, in bytes."},
			"sha256": readOnlyString("SHA-256 of the uploaded bytes, computed during the upload (whether or not `source_sha256` is set); null after an import."),
			"modified": schema.StringAttribute{Computed: true, PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
				MarkdownDescription: "When the file on the datastore last changed (RFC 3339), as the datastore browser reports it. " +
					"A refresh reads it with `size` (the file is never downloaded); when either differs from what the host reported right after ceso's upload, " +
					"the file was changed outside Terraform and the plan replaces it."},
		},
		Blocks: map[string]schema.Block{"timeouts": to},
	}
}

// ModifyPlan warns about a change the guard will refuse and, for a new
// upload, checks the path, the source and the free space at plan time.
func (r *datastoreFileResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	var state, cfg datastoreFileModel
	if !req.State.Raw.IsNull() {
		resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	}
	if req.Plan.Raw.IsNull() {
		r.data.guardPlan(req, resp, datastoreFileType, state.Path.ValueString(), state.ID.ValueString(), policy.ActionFileDelete)
		return
	}
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	replace := !req.State.Raw.IsNull() && !state.Source.IsNull() && (!cfg.Source.Equal(state.Source) || !cfg.Path.Equal(state.Path) ||
		!cfg.Datacenter.Equal(state.Datacenter) || !strings.EqualFold(cfg.SourceSHA256.ValueString(), state.SourceSHA256.ValueString()))
	object := cfg.Path.ValueString()
	if why := drifted(ctx, req, &state, &resp.Diagnostics); why != "" {
		planReupload(ctx, resp, state.Path.ValueString(), why)
		replace = true
	}
	switch {
	case req.State.Raw.IsNull():
		r.data.warnIfRefused(&resp.Diagnostics, guard.Op{ResourceType: datastoreFileType, Object: object, Action: policy.ActionFileUpload})
	case replace:
		r.data.warnIfRefused(&resp.Diagnostics, guard.Op{ResourceType: datastoreFileType, Object: state.Path.ValueString(), ID: state.ID.ValueString(), Action: policy.ActionFileDelete})
		r.data.warnIfRefused(&resp.Diagnostics, guard.Op{ResourceType: datastoreFileType, Object: object, Action: policy.ActionFileUpload})
	default:
		r.data.guardPlan(req, resp, datastoreFileType, object, state.ID.ValueString(), policy.ActionFileDelete)
		return
	}
	if r.data == nil || r.data.client == nil || cfg.Source.IsUnknown() || cfg.Path.IsUnknown() || cfg.Datacenter.IsUnknown() {
		return
	}
	if err := r.data.files(&resp.Diagnostics).Check(ctx, cfg.spec(r.data.datacenter)); err != nil {
		addDomainError(&resp.Diagnostics, "Cannot Upload File", err)
	}
}

func (r *datastoreFileResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan datastoreFileModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	api := r.data.files(&resp.Diagnostics)
	if resp.Diagnostics.HasError() || api == nil {
		return
	}
	ctx, cancel := within(ctx, &resp.Diagnostics, plan.Timeouts.Create, 2*time.Hour)
	defer cancel()
	spec := plan.spec(r.data.datacenter)
	// Removing a temporary file an interrupted upload left deletes a file
	// this state did not create: decided on its own, as adopt_existing. A
	// refusal keeps the file, with a warning, and the upload goes on.
	api.ConfirmRemove = func(ctx context.Context, p string) error {
		err := r.data.guard.Check(ctx, guard.Op{ResourceType: datastoreFileType, Object: spec.Path, Action: policy.ActionAdoptExisting,
			Details: map[string]any{"path": p, "effect": "remove an interrupted upload"}})
		var refused *guard.RefusedError
		if errors.As(err, &refused) {
			resp.Diagnostics.AddWarning("Interrupted Upload Kept",
				fmt.Sprintf("%s was left by an interrupted upload of %s; removing it is the destructive action adopt_existing, which was refused (%s). Remove it by hand, or apply with an elevation.", p, spec.Path, refused.Summary()))
			return dsfile.ErrKeep
		}
		return err
	}
	var f *dsfile.File
	var fieldErr error
	var gd diag.Diagnostics
	op := guard.Op{ResourceType: datastoreFileType, Object: spec.Path, Action: policy.ActionFileUpload,
		Details: map[string]any{"source": spec.Source, "source_sha256": spec.SourceSHA256}}
	ok := r.data.guarded(ctx, &gd, op, "Cannot Upload File", func(ctx context.Context) error {
		var err error
		f, err = api.Upload(ctx, spec, func(p dsfile.Progress) {
			tflog.Info(ctx, "datastore file upload progress", map[string]any{"path": spec.Path, "percent": p.Percent, "bytes": p.Bytes, "total_bytes": p.Total})
		})
		if _, isField := dsfile.AsFieldError(err); isField {
			fieldErr = err
		}
		return err
	})
	if !ok && fieldErr != nil {
		addDomainError(&resp.Diagnostics, "Cannot Upload File", fieldErr)
		return
	}
	resp.Diagnostics.Append(gd...)
	if !ok {
		return
	}
	plan.fill(f)
	recordUploaded(ctx, resp.Private, factsOf(f), &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// Read checks that the file is still there and refreshes its size; a file
// deleted outside Terraform leaves the state and is uploaded again.
func (r *datastoreFileResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state datastoreFileModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	api := r.data.files(&resp.Diagnostics)
	if resp.Diagnostics.HasError() || api == nil {
		return
	}
	p := state.Path.ValueString()
	if p == "" {
		p = state.ID.ValueString()
	}
	f, err := api.Read(ctx, p, state.spec(r.data.datacenter).Datacenter)
	if errors.Is(err, dsfile.ErrNotFound) {
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		addDomainError(&resp.Diagnostics, "Cannot Read File", err)
		return
	}
	state.fill(f)
	if state.SHA256.IsUnknown() {
		state.SHA256 = types.StringNull()
	}
	if _, ok := recordedUploaded(ctx, req.Private, &resp.Diagnostics); !ok && !state.Source.IsNull() {
		// A state from before the facts were recorded: what the host
		// reports now is the baseline.
		recordUploaded(ctx, resp.Private, factsOf(f), &resp.Diagnostics)
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// Update only records the source of an imported file (every other change
// replaces it); nothing on the host changes, but the guard sees it.
func (r *datastoreFileResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state datastoreFileModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	op := guard.Op{ResourceType: datastoreFileType, Object: plan.Path.ValueString(), ID: state.ID.ValueString(), Action: policy.ActionUpdate, Details: map[string]any{"adopted": true}}
	if !r.data.guarded(ctx, &resp.Diagnostics, op, "Cannot Update File", func(context.Context) error { return nil }) {
		return
	}
	plan.ID, plan.Datastore, plan.Size, plan.SHA256, plan.Modified = state.ID, state.Datastore, state.Size, state.SHA256, state.Modified
	// The adopted file as it is now is the baseline for later changes.
	recordUploaded(ctx, resp.Private, uploadedFacts{Size: state.Size.ValueInt64(), Modified: state.Modified.ValueString()}, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// Delete removes the file: a destructive action.
func (r *datastoreFileResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state datastoreFileModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	api := r.data.files(&resp.Diagnostics)
	if resp.Diagnostics.HasError() || api == nil {
		return
	}
	ctx, cancel := within(ctx, &resp.Diagnostics, state.Timeouts.Delete, 10*time.Minute)
	defer cancel()
	op := guard.Op{ResourceType: datastoreFileType, Object: state.Path.ValueString(), ID: state.ID.ValueString(), Action: policy.ActionFileDelete,
		Details: map[string]any{"size": state.Size.ValueInt64()}}
	r.data.guarded(ctx, &resp.Diagnostics, op, "Cannot Delete File", func(ctx context.Context) error {
		return api.Delete(ctx, state.Path.ValueString(), state.spec(r.data.datacenter).Datacenter)
	})
}

// ImportState takes the datastore path; Read checks that the file exists.
func (r *datastoreFileResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	p := strings.TrimSpace(req.ID)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), p)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("path"), p)...)
}
