package acctest

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// Values are attribute values for a protocol-level call; unset attributes are null.
type Values map[string]tftypes.Value

// Str is a known string value.
func Str(s string) tftypes.Value { return tftypes.NewValue(tftypes.String, s) }

// blockValue builds an object for a schema block: the given attributes, null
// for the others, and empty or null nested blocks as Terraform sends them.
func blockValue(b *tfprotov6.SchemaBlock, vals Values) tftypes.Value {
	typ, ok := b.ValueType().(tftypes.Object)
	if !ok {
		panic("acctest: a schema block's type is not an object")
	}
	out := map[string]tftypes.Value{}
	for _, a := range b.Attributes {
		if v, ok := vals[a.Name]; ok {
			out[a.Name] = v
			continue
		}
		out[a.Name] = tftypes.NewValue(typ.AttributeTypes[a.Name], nil)
	}
	for _, nb := range b.BlockTypes {
		t := typ.AttributeTypes[nb.TypeName]
		switch nb.Nesting {
		case tfprotov6.SchemaNestedBlockNestingModeList, tfprotov6.SchemaNestedBlockNestingModeSet:
			out[nb.TypeName] = tftypes.NewValue(t, []tftypes.Value{})
		default:
			out[nb.TypeName] = tftypes.NewValue(t, nil)
		}
	}
	return tftypes.NewValue(typ, out)
}

// PlanDiagnostics configures a fresh provider with providerAttrs and plans
// the creation of one typeName resource with attrs, returning the
// diagnostics of the plan. It is how tests see plan-time warnings, which
// terraform-plugin-testing does not expose.
func PlanDiagnostics(t *testing.T, providerAttrs Values, typeName string, attrs Values) []*tfprotov6.Diagnostic {
	t.Helper()
	ctx := context.Background()
	srv, err := ProviderFactories["ceso"]()
	if err != nil {
		t.Fatal(err)
	}
	schema, err := srv.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	pv := blockValue(schema.Provider.Block, providerAttrs)
	pdv, err := tfprotov6.NewDynamicValue(pv.Type(), pv)
	if err != nil {
		t.Fatal(err)
	}
	cresp, err := srv.ConfigureProvider(ctx, &tfprotov6.ConfigureProviderRequest{TerraformVersion: "1.8.5", Config: &pdv})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range cresp.Diagnostics {
		if d.Severity == tfprotov6.DiagnosticSeverityError {
			t.Fatalf("configure: %s: %s", d.Summary, d.Detail)
		}
	}
	rs, ok := schema.ResourceSchemas[typeName]
	if !ok {
		t.Fatalf("no resource type %s", typeName)
	}
	cfg := blockValue(rs.Block, attrs)
	cdv, err := tfprotov6.NewDynamicValue(cfg.Type(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	prior, err := tfprotov6.NewDynamicValue(cfg.Type(), tftypes.NewValue(cfg.Type(), nil))
	if err != nil {
		t.Fatal(err)
	}
	presp, err := srv.PlanResourceChange(ctx, &tfprotov6.PlanResourceChangeRequest{
		TypeName: typeName, PriorState: &prior, ProposedNewState: &cdv, Config: &cdv,
	})
	if err != nil {
		t.Fatal(err)
	}
	return presp.Diagnostics
}

// FindDiagnostic returns the first diagnostic with the given severity and summary.
func FindDiagnostic(diags []*tfprotov6.Diagnostic, sev tfprotov6.DiagnosticSeverity, summary string) *tfprotov6.Diagnostic {
	for _, d := range diags {
		if d.Severity == sev && d.Summary == summary {
			return d
		}
	}
	return nil
}
