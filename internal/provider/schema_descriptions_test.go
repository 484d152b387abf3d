package provider_test

import (
	"context"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"

	"github.com/esxi-commander/terraform-provider-ceso/internal/provider"
)

// TestSchemaDescriptions fails on any attribute, nested attribute or block of
// the provider, a resource or a data source that has no description: the
// generated docs/ would show it bare. It reads the schemas the way Terraform
// does, through the protocol server's GetProviderSchema.
func TestSchemaDescriptions(t *testing.T) {
	t.Parallel()
	server := providerserver.NewProtocol6(provider.New("test")())()
	resp, err := server.GetProviderSchema(context.Background(), &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatalf("GetProviderSchema: %v", err)
	}
	for _, d := range resp.Diagnostics {
		if d.Severity == tfprotov6.DiagnosticSeverityError {
			t.Fatalf("GetProviderSchema: %s: %s", d.Summary, d.Detail)
		}
	}
	if len(resp.ResourceSchemas) == 0 || len(resp.DataSourceSchemas) == 0 {
		t.Fatalf("GetProviderSchema returned %d resources and %d data sources; want some of each",
			len(resp.ResourceSchemas), len(resp.DataSourceSchemas))
	}

	var missing []string
	check := func(kind, name string, s *tfprotov6.Schema) {
		if s == nil || s.Block == nil {
			missing = append(missing, kind+" "+name+": no schema")
			return
		}
		if kind != "provider" && !described(s.Block.Description) {
			missing = append(missing, kind+" "+name+": the schema itself")
		}
		for _, path := range undescribed("", s.Block) {
			missing = append(missing, kind+" "+name+": "+path)
		}
	}
	check("provider", "ceso", resp.Provider)
	for _, name := range sortedKeys(resp.ResourceSchemas) {
		check("resource", name, resp.ResourceSchemas[name])
	}
	for _, name := range sortedKeys(resp.DataSourceSchemas) {
		check("data source", name, resp.DataSourceSchemas[name])
	}
	if len(missing) > 0 {
		t.Errorf("%d schema elements have no description (set MarkdownDescription):\n  %s",
			len(missing), strings.Join(missing, "\n  "))
	}
}

func described(s string) bool { return strings.TrimSpace(s) != "" }

// undescribed lists the paths of the attributes and nested blocks of b, at
// any depth, that have no description.
func undescribed(prefix string, b *tfprotov6.SchemaBlock) []string {
	var out []string
	for _, a := range b.Attributes {
		out = append(out, undescribedAttribute(prefix, a)...)
	}
	for _, nb := range b.BlockTypes {
		p := prefix + nb.TypeName
		if nb.Block == nil {
			out = append(out, p+" (block without schema)")
			continue
		}
		if !described(nb.Block.Description) {
			out = append(out, p+" (block)")
		}
		out = append(out, undescribed(p+".", nb.Block)...)
	}
	return out
}

func undescribedAttribute(prefix string, a *tfprotov6.SchemaAttribute) []string {
	var out []string
	p := prefix + a.Name
	if !described(a.Description) {
		out = append(out, p)
	}
	if a.NestedType != nil {
		for _, na := range a.NestedType.Attributes {
			out = append(out, undescribedAttribute(p+".", na)...)
		}
	}
	return out
}

func sortedKeys(m map[string]*tfprotov6.Schema) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
