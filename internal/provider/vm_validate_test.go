package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// vmConfig is a ceso_vm configuration with the given attributes, the rest null.
func vmConfig(t *testing.T, vals map[string]tftypes.Value) tfsdk.Config {
	t.Helper()
	ctx := context.Background()
	s := vmSchema(ctx)
	typ, ok := s.Type().TerraformType(ctx).(tftypes.Object)
	if !ok {
		t.Fatal("the ceso_vm schema is not an object")
	}
	attrs := map[string]tftypes.Value{}
	for name, at := range typ.AttributeTypes {
		if v, ok := vals[name]; ok {
			attrs[name] = v
		} else {
			attrs[name] = tftypes.NewValue(at, nil)
		}
	}
	return tfsdk.Config{Schema: s, Raw: tftypes.NewValue(typ, attrs)}
}

func TestVMValidateConfigChecksKnownParts(t *testing.T) {
	t.Parallel()
	unknownStr := tftypes.NewValue(tftypes.String, tftypes.UnknownValue)
	diskType := tftypes.Object{AttributeTypes: map[string]tftypes.Type{
		"size_gb": tftypes.Number, "provisioning": tftypes.String, "controller_type": tftypes.String, "bus_number": tftypes.Number,
		"unit_number": tftypes.Number, "datastore": tftypes.String, "keep_on_remove": tftypes.Bool, "attach": tftypes.Bool, "path": tftypes.String, "label": tftypes.String}}
	diskWith := func(set map[string]tftypes.Value) tftypes.Value {
		vals := map[string]tftypes.Value{}
		for name, typ := range diskType.AttributeTypes {
			vals[name] = tftypes.NewValue(typ, nil)
			if v, ok := set[name]; ok {
				vals[name] = v
			}
		}
		return tftypes.NewValue(tftypes.List{ElementType: diskType}, []tftypes.Value{tftypes.NewValue(diskType, vals)})
	}
	unsizedDisk := diskWith(nil)
	attachPath := tftypes.NewValue(tftypes.String, "[LocalDS_0] shared/data.vmdk")
	for _, tc := range []struct {
		name string
		vals map[string]tftypes.Value
		want string // "" for no error
	}{
		{name: "bad memory beside an unknown name", want: "memory_mb",
			vals: map[string]tftypes.Value{"name": unknownStr, "memory_mb": tftypes.NewValue(tftypes.Number, 1026)}},
		{name: "bad extra_config key beside an unknown value", want: "extra_config",
			vals: map[string]tftypes.Value{"name": tftypes.NewValue(tftypes.String, "a"), "extra_config": tftypes.NewValue(tftypes.Map{ElementType: tftypes.String},
				map[string]tftypes.Value{"ceso.state": tftypes.NewValue(tftypes.String, "x"), "other": unknownStr})}},
		{name: "a disk without size may get it from an unknown template",
			vals: map[string]tftypes.Value{"name": tftypes.NewValue(tftypes.String, "a"), "template": unknownStr, "disk": unsizedDisk}},
		{name: "a disk without size and no source", want: "disk[0].size_gb",
			vals: map[string]tftypes.Value{"name": tftypes.NewValue(tftypes.String, "a"), "disk": unsizedDisk}},
		{name: "an attached disk takes no size", want: "disk[0].size_gb",
			vals: map[string]tftypes.Value{"name": tftypes.NewValue(tftypes.String, "a"), "disk": diskWith(map[string]tftypes.Value{
				"attach": tftypes.NewValue(tftypes.Bool, true), "path": attachPath, "size_gb": tftypes.NewValue(tftypes.Number, 2)})}},
		{name: "an attached disk without size", vals: map[string]tftypes.Value{"name": tftypes.NewValue(tftypes.String, "a"), "disk": diskWith(map[string]tftypes.Value{
			"attach": tftypes.NewValue(tftypes.Bool, true), "path": attachPath})}},
		{name: "path without attach", want: "disk[0].path",
			vals: map[string]tftypes.Value{"name": tftypes.NewValue(tftypes.String, "a"), "template": tftypes.NewValue(tftypes.String, "t"), "disk": diskWith(map[string]tftypes.Value{"path": attachPath})}},
		{name: "attach without path", want: "disk[0].path",
			vals: map[string]tftypes.Value{"name": tftypes.NewValue(tftypes.String, "a"), "disk": diskWith(map[string]tftypes.Value{"attach": tftypes.NewValue(tftypes.Bool, true)})}},
		{name: "an attached disk path from an unknown value",
			vals: map[string]tftypes.Value{"name": tftypes.NewValue(tftypes.String, "a"), "disk": diskWith(map[string]tftypes.Value{"attach": tftypes.NewValue(tftypes.Bool, true), "path": unknownStr})}},
		{name: "linked_clone with an unknown template",
			vals: map[string]tftypes.Value{"name": tftypes.NewValue(tftypes.String, "a"), "template": unknownStr, "linked_clone": tftypes.NewValue(tftypes.Bool, true)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			resp := &resource.ValidateConfigResponse{}
			(&vmResource{}).ValidateConfig(context.Background(), resource.ValidateConfigRequest{Config: vmConfig(t, tc.vals)}, resp)
			var got, paths []string
			for _, d := range resp.Diagnostics.Errors() {
				got = append(got, d.Summary()+": "+d.Detail())
				if p, ok := d.(diag.DiagnosticWithPath); ok {
					paths = append(paths, p.Path().String())
				}
			}
			switch {
			case tc.want == "" && len(got) > 0:
				t.Errorf("want no error, got:\n%s", strings.Join(got, "\n"))
			case tc.want != "" && strings.Join(paths, ",") != tc.want:
				t.Errorf("want one error on %s, got %v:\n%s", tc.want, paths, strings.Join(got, "\n"))
			}
		})
	}
}
