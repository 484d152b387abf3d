package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

var _ datasource.DataSourceWithConfigure = (*templatesDataSource)(nil)

// NewTemplatesDataSource returns the ceso_templates data source.
func NewTemplatesDataSource() datasource.DataSource { return &templatesDataSource{} }

type templatesDataSource struct{ dataSourceData }

type templatesModel struct {
	Datacenter types.String `tfsdk:"datacenter"`
	NameRegex  types.String `tfsdk:"name_regex"`
	Templates  []vmSummary  `tfsdk:"templates"`
}

func (d *templatesDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_templates"
}

func (d *templatesDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Templates a `ceso_vm` can be created from: vCenter templates, and VMs marked as ceso templates " +
			"(extra config `ceso.template = true`) on a standalone host, where VMware's template flag needs vCenter.",
		Attributes: map[string]schema.Attribute{
			"datacenter": schema.StringAttribute{Optional: true, MarkdownDescription: "Only templates of this datacenter (vCenter; default: the provider's `datacenter`)."},
			"name_regex": schema.StringAttribute{Optional: true, MarkdownDescription: "Only templates whose name matches this regular expression (RE2)."},
			"templates": schema.ListNestedAttribute{Computed: true, MarkdownDescription: "The templates, sorted by path.",
				NestedObject: schema.NestedAttributeObject{Attributes: vmSummaryAttributes()}},
		},
	}
}

func (d *templatesDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m templatesModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	re := compileRegex(m.NameRegex, "name_regex", &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	snap := d.data.snapshot(ctx, &resp.Diagnostics, "ceso_templates")
	if snap == nil {
		return
	}
	dc := d.data.datacenterScope(m.Datacenter)
	m.Templates = []vmSummary{}
	for _, vm := range snap.VMs {
		if isTemplate(vm) && inScope(vm.Datacenter, dc) && matches(re, vm.Name) {
			m.Templates = append(m.Templates, newVMSummary(vm))
		}
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
