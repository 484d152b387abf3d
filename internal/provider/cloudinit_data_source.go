package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
)

var (
	_ datasource.DataSource                   = (*cloudinitDataSource)(nil)
	_ datasource.DataSourceWithValidateConfig = (*cloudinitDataSource)(nil)
)

// NewCloudinitDataSource returns the ceso_cloudinit data source: the same
// render as the resource, for users who prefer a data source.
func NewCloudinitDataSource() datasource.DataSource { return &cloudinitDataSource{} }

type cloudinitDataSource struct{}

func (d *cloudinitDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_cloudinit"
}

func (d *cloudinitDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	rs := cloudinitSchema()
	resp.Schema = schema.Schema{
		MarkdownDescription: rs.MarkdownDescription,
		Attributes:          dataSourceAttributes(rs.Attributes),
	}
}

func (d *cloudinitDataSource) ValidateConfig(ctx context.Context, req datasource.ValidateConfigRequest, resp *datasource.ValidateConfigResponse) {
	validateCloudinitConfig(ctx, req.Config, &resp.Diagnostics)
}

func (d *cloudinitDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m cloudinitModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(m.render(ctx, nil)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
