package review

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/esxi-commander/terraform-provider-ceso/internal/policy"
)

var alicePolicy = &policy.Policy{Path: "/etc/ceso/policy.json", MaxMode: policy.Standard, TrustedKeys: []policy.TrustedKey{{Name: "alice"}}}

// The plan TestAccReview_plan made with OpenTofu against the simulator
// (a create, an in-place change deleting a disk, a power cycle, a delete,
// a backup with retention) reviews to the same page without a CLI.
func TestReplayAcceptancePlan(t *testing.T) {
	t.Parallel()
	f, err := os.Open(filepath.Join("testdata", "acc-plan.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rep, err := Build(f, Options{PlanPath: "plan.json", PlanBound: true, Policy: alicePolicy})
	if err != nil {
		t.Fatal(err)
	}
	var text, js bytes.Buffer
	if err := rep.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	if err := rep.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	for name, got := range map[string]string{"acc-review.golden": text.String(), "acc-review.golden.json": js.String()} {
		want, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(string(want), got); d != "" {
			t.Errorf("%s (-want +got):\n%s", name, d)
		}
	}
	// The JSON is the page's data: every change and the grant are in it.
	var back Report
	if err := json.Unmarshal(js.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if len(back.Changes) != 5 || back.Grant == nil || back.Grant.Mode != policy.Unrestricted || back.HighestMode != "unrestricted" {
		t.Errorf("JSON report = %+v", back)
	}
}

// rc builds one resource change of a hand-written plan.
func rc(addr string, actions []string, before, after map[string]any) map[string]any {
	typ, name, _ := strings.Cut(addr, ".")
	return map[string]any{"address": addr, "mode": "managed", "type": typ, "name": name,
		"provider_name": "registry.opentofu.org/esxi-commander/ceso",
		"change":        map[string]any{"actions": actions, "before": before, "after": after, "after_unknown": map[string]any{}}}
}

func planOf(changes ...map[string]any) map[string]any {
	return map[string]any{"format_version": "1.2", "planned_values": map[string]any{}, "resource_changes": changes,
		"configuration": map[string]any{"provider_config": map[string]any{"ceso": map[string]any{"name": "ceso",
			"expressions": map[string]any{"host": map[string]any{"references": []string{"var.esxi_host"}}}}}},
		"variables": map[string]any{"esxi_host": map[string]any{"value": "esxi01.example.com"}}}
}

func build(t *testing.T, plan map[string]any, opts Options) *Report {
	t.Helper()
	data, err := json.Marshal(plan)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Build(bytes.NewReader(data), opts)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

type effectLine struct {
	Addr   string
	Effect Effect
	Mode   policy.Mode
}

func effectsOf(rep *Report) []effectLine {
	var out []effectLine
	for _, c := range rep.Changes {
		for _, it := range c.Items {
			out = append(out, effectLine{c.Address, it.Effect, it.Mode})
		}
	}
	return out
}

// vm is a VM's values: a running VM with 2 CPUs and 1 GiB, changed by
// key, value pairs.
func vm(name string, kv ...any) map[string]any {
	m := map[string]any{"name": name, "power_state": "on", "allow_power_cycle": false, "force_power_off": false,
		"cpus": 2.0, "memory_mb": 1024.0, "cpu_hot_add": false, "memory_hot_add": false}
	for i := 0; i+1 < len(kv); i += 2 {
		m[fmt.Sprint(kv[i])] = kv[i+1]
	}
	return m
}

// sub walks nested maps of a hand-written plan.
func sub(t *testing.T, m map[string]any, keys ...string) map[string]any {
	t.Helper()
	for _, k := range keys {
		next, ok := m[k].(map[string]any)
		if !ok {
			t.Fatalf("no map at %q", k)
		}
		m = next
	}
	return m
}

func TestEffects(t *testing.T) {
	t.Parallel()
	disk := func(unit float64, path string, keep bool) map[string]any {
		return map[string]any{"controller_type": "scsi", "unit_number": unit, "path": path, "label": "", "keep_on_remove": keep}
	}
	attachedDisk := func(unit float64, path string) map[string]any {
		d := disk(unit, path, false)
		d["attach"] = true
		return d
	}
	cases := map[string]struct {
		change   map[string]any
		want     []effectLine
		warn     string // a warning that must be there
		why      string // in the detail of the first effect
		scope    []string
		noChange bool
	}{
		"cpu change on a running VM without hot-add or allow_power_cycle fails at apply": {
			change: rc("ceso_vm.a", []string{"update"}, vm("a"), vm("a", "cpus", 4.0)),
			want:   []effectLine{{"ceso_vm.a", ChangedInPlace, policy.Standard}},
			warn:   "cpus needs the VM powered off, it is on, and allow_power_cycle is false: the apply will fail",
		},
		"cpu hot-add needs no power cycle": {
			change: rc("ceso_vm.a", []string{"update"}, vm("a", "cpu_hot_add", true), vm("a", "cpu_hot_add", true, "cpus", 4.0)),
			want:   []effectLine{{"ceso_vm.a", ChangedInPlace, policy.Standard}},
		},
		"memory going down needs a power cycle even with hot-add": {
			change: rc("ceso_vm.a", []string{"update"}, vm("a", "memory_hot_add", true), vm("a", "memory_hot_add", true, "memory_mb", 512.0, "allow_power_cycle", true)),
			want:   []effectLine{{"ceso_vm.a", ChangedInPlace, policy.Standard}, {"ceso_vm.a", PowerCycled, policy.Standard}},
		},
		"a VM powered off is not cycled": {
			change: rc("ceso_vm.a", []string{"update"}, vm("a", "power_state", "off"), vm("a", "power_state", "off", "cpus", 4.0)),
			want:   []effectLine{{"ceso_vm.a", ChangedInPlace, policy.Standard}},
		},
		"power off with force_power_off may force it": {
			change: rc("ceso_vm.a", []string{"update"}, vm("a"), vm("a", "power_state", "off", "force_power_off", true)),
			want:   []effectLine{{"ceso_vm.a", ChangedInPlace, policy.Standard}, {"ceso_vm.a", ForcedPowerOff, policy.Unrestricted}},
		},
		"removing the first of two disks deletes the first disk's files": {
			change: rc("ceso_vm.a", []string{"update"},
				vm("a", "disk", []any{disk(0, "[ds] a/a.vmdk", false), disk(1, "[ds] a/a_1.vmdk", false)}),
				vm("a", "disk", []any{disk(1, "[ds] a/a_1.vmdk", false)})),
			want: []effectLine{{"ceso_vm.a", ChangedInPlace, policy.Standard}, {"ceso_vm.a", FilesDeleted, policy.Unrestricted}},
		},
		"suspending with force_power_off may force a power-off too": {
			change: rc("ceso_vm.a", []string{"update"}, vm("a"), vm("a", "power_state", "suspended", "force_power_off", true)),
			want:   []effectLine{{"ceso_vm.a", ChangedInPlace, policy.Standard}, {"ceso_vm.a", ForcedPowerOff, policy.Unrestricted}},
		},
		"a suspended VM is cycled for a change on the VM": {
			change: rc("ceso_vm.a", []string{"update"}, vm("a", "power_state", "suspended"), vm("a", "power_state", "suspended", "allow_power_cycle", true, "guest_id", "x")),
			want:   []effectLine{{"ceso_vm.a", ChangedInPlace, policy.Standard}, {"ceso_vm.a", PowerCycled, policy.Standard}},
		},
		"a suspended VM is not cycled for a provider setting": {
			change: rc("ceso_vm.a", []string{"update"}, vm("a", "power_state", "suspended"), vm("a", "power_state", "suspended", "shutdown_timeout", "5m")),
			want:   []effectLine{{"ceso_vm.a", ChangedInPlace, policy.Standard}},
		},
		"a removed disk with keep_on_remove is detached, no files deleted": {
			change: rc("ceso_vm.a", []string{"update"},
				vm("a", "disk", []any{disk(0, "[ds] a/a.vmdk", false), disk(1, "[ds] a/a_1.vmdk", true)}),
				vm("a", "disk", []any{disk(0, "[ds] a/a.vmdk", false)})),
			want: []effectLine{{"ceso_vm.a", ChangedInPlace, policy.Standard}},
		},
		"a removed attached disk is detached, no files deleted": {
			change: rc("ceso_vm.a", []string{"update"},
				vm("a", "disk", []any{disk(0, "[ds] a/a.vmdk", false), attachedDisk(1, "[ds] shared/data.vmdk")}),
				vm("a", "disk", []any{disk(0, "[ds] a/a.vmdk", false)})),
			want: []effectLine{{"ceso_vm.a", ChangedInPlace, policy.Standard}},
		},
		"a rename needs both names in scope": {
			change: rc("ceso_vm.a", []string{"update"}, vm("old"), vm("new")),
			want:   []effectLine{{"ceso_vm.a", ChangedInPlace, policy.Standard}},
			scope:  []string{"new", "old"},
		},
		"a replace is destructive": {
			change: rc("ceso_vm.a", []string{"delete", "create"}, vm("a"), vm("a", "template", "t2")),
			want:   []effectLine{{"ceso_vm.a", Destroyed, policy.Unrestricted}},
		},
		"a backup destroyed deletes its folder": {
			change: rc("ceso_backup.b", []string{"delete"}, map[string]any{"vm_name": "web", "path": "[ds] b/web/1", "retain_on_destroy": false}, nil),
			want:   []effectLine{{"ceso_backup.b", Destroyed, policy.Unrestricted}},
			scope:  []string{"web"},
		},
		// It powers off and deletes only the temporary VM it made.
		"a backup with a restore drill is a standard write": {
			change: rc("ceso_backup.b", []string{"create"}, nil, map[string]any{"vm": "uuid-1", "destination": "[ds] b", "verify": "boot"}),
			want:   []effectLine{{"ceso_backup.b", Created, policy.Standard}},
			warn:   "known only at apply",
		},
		"a retained backup is only forgotten": {
			change: rc("ceso_backup.b", []string{"delete"}, map[string]any{"vm_name": "web", "retain_on_destroy": true}, nil),
			want:   []effectLine{{"ceso_backup.b", Destroyed, policy.Standard}},
		},
		// It writes nothing to a host: the provider guards it by mode,
		// never matching a grant's scope against its hostname.
		"a cloud-init payload is not scoped by its hostname": {
			change: rc("ceso_cloudinit.c", []string{"create"}, nil, map[string]any{"hostname": "www-a"}),
			want:   []effectLine{{"ceso_cloudinit.c", Created, policy.Standard}},
			scope:  []string{"*"},
		},
		"deploying an image is a standard write": {
			change: rc("ceso_image.u", []string{"create"}, nil, map[string]any{"name": "ubuntu", "source": "u.ova"}),
			want:   []effectLine{{"ceso_image.u", Created, policy.Standard}},
			scope:  []string{"ubuntu"},
		},
		"a new image source replaces it: destructive": {
			change: rc("ceso_image.u", []string{"delete", "create"}, map[string]any{"id": "u-1", "name": "ubuntu", "source": "a.ova"}, map[string]any{"name": "ubuntu", "source": "b.ova"}),
			want:   []effectLine{{"ceso_image.u", Destroyed, policy.Unrestricted}, {"ceso_image.u", Created, policy.Standard}},
			scope:  []string{"ubuntu"},
		},
		"a datastore file destroyed is deleted, scoped by its path": {
			change: rc("ceso_datastore_file.f", []string{"delete"}, map[string]any{"id": "[ds] isos/a.iso", "path": "[ds] isos/a.iso"}, nil),
			want:   []effectLine{{"ceso_datastore_file.f", Destroyed, policy.Unrestricted}},
			scope:  []string{"[ds] isos/a.iso"},
		},
		"a datastore file changed outside Terraform is replaced: destructive": {
			change: func() map[string]any {
				c := rc("ceso_datastore_file.f", []string{"delete", "create"}, map[string]any{"id": "[ds] isos/a.iso", "path": "[ds] isos/a.iso", "modified": "2026-01-01T00:00:00Z"}, map[string]any{"path": "[ds] isos/a.iso"})
				if ch, ok := c["change"].(map[string]any); ok {
					ch["replace_paths"] = []any{[]any{"modified"}}
				}
				return c
			}(),
			want:  []effectLine{{"ceso_datastore_file.f", Destroyed, policy.Unrestricted}, {"ceso_datastore_file.f", Created, policy.Standard}},
			scope: []string{"[ds] isos/a.iso"},
			why:   "changed on the datastore outside Terraform",
		},
		"a name known only at apply is left for the approver to add": {
			change: rc("ceso_vm.a", []string{"create"}, nil, map[string]any{"power_state": "on"}),
			want:   []effectLine{{"ceso_vm.a", Created, policy.Standard}},
			warn:   "known only at apply",
		},
		"another provider's change is counted, not judged": {
			change:   map[string]any{"address": "null_resource.x", "mode": "managed", "type": "null_resource", "provider_name": "registry.opentofu.org/hashicorp/null", "change": map[string]any{"actions": []string{"delete"}}},
			noChange: true,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			rep := build(t, planOf(tc.change), Options{Policy: alicePolicy})
			if d := cmp.Diff(tc.want, effectsOf(rep)); d != "" {
				t.Errorf("effects (-want +got):\n%s", d)
			}
			if tc.why != "" && (len(rep.Changes) == 0 || len(rep.Changes[0].Items) == 0 || !strings.Contains(rep.Changes[0].Items[0].Detail, tc.why)) {
				t.Errorf("the first effect does not say %q: %+v", tc.why, rep.Changes)
			}
			warnings := strings.Join(rep.Warnings, "\n")
			if tc.warn != "" && !strings.Contains(warnings, tc.warn) {
				t.Errorf("warnings lack %q:\n%s", tc.warn, warnings)
			}
			if tc.warn == "" && warnings != "" {
				t.Errorf("unexpected warnings:\n%s", warnings)
			}
			if tc.scope != nil && (rep.Grant == nil || !cmp.Equal(tc.scope, rep.Grant.Scope)) {
				t.Errorf("grant = %+v, want scope %v", rep.Grant, tc.scope)
			}
			if tc.noChange && (len(rep.Changes) != 0 || rep.OtherChanges != 1 || rep.Grant != nil) {
				t.Errorf("report = %+v", rep)
			}
			for _, c := range rep.Changes {
				if c.Host != "esxi01.example.com" {
					t.Errorf("host of %s = %q, want the variable's value", c.Address, c.Host)
				}
			}
		})
	}
}

// A backup of a VM created by the same plan is scoped by that VM's name,
// found through the reference in the configuration.
func TestBackupOfNewVM(t *testing.T) {
	t.Parallel()
	b := rc("ceso_backup.b", []string{"create"}, nil, map[string]any{"destination": "[ds] b", "keep": 0.0})
	sub(t, b, "change")["after_unknown"] = map[string]any{"vm": true}
	p := planOf(rc("ceso_vm.web", []string{"create"}, nil, map[string]any{"name": "web-9", "power_state": "on"}), b)
	sub(t, p, "configuration")["root_module"] = map[string]any{"resources": []any{
		map[string]any{"address": "ceso_backup.b", "mode": "managed", "type": "ceso_backup", "provider_config_key": "ceso",
			"expressions": map[string]any{"vm": map[string]any{"references": []string{"ceso_vm.web.id", "ceso_vm.web"}},
				"timeouts": []any{map[string]any{}}}},
	}}
	rep := build(t, p, Options{Policy: alicePolicy})
	if rep.Changes[1].Object != "web-9" || !cmp.Equal(rep.Grant.Scope, []string{"web-9"}) {
		t.Errorf("backup object %q, grant %+v", rep.Changes[1].Object, rep.Grant)
	}
}

func TestPolicyWarnings(t *testing.T) {
	t.Parallel()
	del := planOf(rc("ceso_vm.a", []string{"delete"}, vm("a"), nil))
	cases := map[string]struct {
		opts Options
		want string
	}{
		"no policy: no key, so only mode unrestricted runs it": {Options{}, `no approver key is trusted (no policy file), so no grant is accepted: the apply runs those changes only with mode = "unrestricted"`},
		"a ceiling below and no key: refused whatever":         {Options{Policy: &policy.Policy{Path: "/p", MaxMode: policy.Standard}}, "allows at most standard and trusts no approver key, so the apply will refuse"},
		"an unreadable policy stops the provider":              {Options{PolicyErr: os.ErrPermission}, "refuses to start"},
		"a trusted key: no warning":                            {Options{Policy: alicePolicy}, ""},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got := strings.Join(build(t, del, tc.opts).Warnings, "\n")
			if tc.want == "" && got != "" || !strings.Contains(got, tc.want) {
				t.Errorf("warnings = %q, want %q", got, tc.want)
			}
		})
	}
}

// A provider block that asks for less than the plan needs, with no
// approver to lift it, is refused at apply.
func TestProviderModeWarning(t *testing.T) {
	t.Parallel()
	p := planOf(rc("ceso_vm.a", []string{"create"}, nil, vm("a")))
	sub(t, p, "configuration", "provider_config", "ceso", "expressions")["mode"] = map[string]any{"constant_value": "restricted"}
	got := strings.Join(build(t, p, Options{}).Warnings, "\n")
	if !strings.Contains(got, `The provider block sets mode = "restricted", below the standard this plan needs`) {
		t.Errorf("warnings = %q", got)
	}
	var page bytes.Buffer
	if err := build(t, p, Options{}).WriteText(&page); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(page.String(), "Warnings (read before approving):\n  ! The provider block sets mode") {
		t.Errorf("the page does not show the warning:\n%s", page.String())
	}
	if got := build(t, p, Options{Policy: alicePolicy}).Warnings; len(got) != 0 {
		t.Errorf("with a trusted approver a grant lifts it; warnings = %q", got)
	}
}

func TestBadInput(t *testing.T) {
	t.Parallel()
	for name, in := range map[string]string{
		"binary plan": "PK\x03\x04....",
		"not JSON":    "hello",
		"state JSON":  `{"format_version":"1.0","values":{}}`,
	} {
		if _, err := Build(strings.NewReader(in), Options{}); err == nil || !strings.Contains(err.Error(), "show -json") {
			t.Errorf("%s: err = %v, want a hint to run show -json", name, err)
		}
	}
	rep, err := Build(strings.NewReader(`{"format_version":"1.2","errored":true}`), Options{})
	if err != nil || len(rep.Warnings) != 1 || !strings.Contains(rep.Warnings[0], "did not complete") {
		t.Errorf("errored plan: %+v, %v", rep, err)
	}
}

func TestGrantCommands(t *testing.T) {
	t.Parallel()
	g := GrantCommands("my plan.json", policy.Unrestricted, []string{"web-*", "db-1"}, "esxi01", false)
	if want := "terraform-provider-ceso grant issue --host esxi01 --mode unrestricted --scope 'web-*,db-1' --key KEY_FILE"; !strings.HasPrefix(g.Command, want) {
		t.Errorf("command = %s, want prefix %s", g.Command, want)
	}
	if !strings.Contains(g.PlanCommand, "--host esxi01 --plan 'my plan.json' --once --key") || g.Recommended != g.Command {
		t.Errorf("plan command = %s, recommended %s", g.PlanCommand, g.Recommended)
	}
	if g := GrantCommands("p.json", policy.Standard, []string{"a"}, "", true); g.Recommended != g.PlanCommand {
		t.Errorf("plan-bound grants exist: recommended = %s", g.Recommended)
	}
	if got := grantHost("https://esxi01.example.com:8443/sdk"); got != "esxi01.example.com" {
		t.Errorf("grantHost(URL) = %q", got)
	}
	if got := grantHost("esxi01:443"); got != "esxi01:443" {
		t.Errorf("grantHost(host:port) = %q", got)
	}
	if got := shellQuote("it's"); got != `'it'\''s'` {
		t.Errorf("shellQuote = %s", got)
	}
}

func TestRenamePage(t *testing.T) {
	t.Parallel()
	var page bytes.Buffer
	if err := build(t, planOf(rc("ceso_vm.a", []string{"update"}, vm("old"), vm("new"))), Options{Policy: alicePolicy}).WriteText(&page); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`ceso_vm.a  VM "new" (renamed from "old")  needs standard (update)`, `name "old" → "new"`, "Host: esxi01.example.com", "--scope new,old"} {
		if !strings.Contains(page.String(), want) {
			t.Errorf("page lacks %q:\n%s", want, page.String())
		}
	}
}
