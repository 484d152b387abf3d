package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestReadPlanListsElevatedChanges(t *testing.T) {
	t.Parallel()
	plan := `{"format_version":"1.2","resource_changes":[
 {"address":"ceso_vm.gone","mode":"managed","type":"ceso_vm","change":{"actions":["delete"],"before":{"id":"u-1"},"after":null}},
 {"address":"ceso_vm.replaced","mode":"managed","type":"ceso_vm","change":{"actions":["delete","create"],"before":{"id":"u-2"},"after":{"id":null}}},
 {"address":"ceso_vm.cpus","mode":"managed","type":"ceso_vm","change":{"actions":["update"],"before":{"id":"u-3","cpus":1},"after":{"id":"u-3","cpus":2}}},
 {"address":"ceso_vm.disk","mode":"managed","type":"ceso_vm","change":{"actions":["update"],
   "before":{"id":"u-4","disk":[{"unit_number":0},{"unit_number":1}]},"after":{"id":"u-4","disk":[{"unit_number":0}]}}},
 {"address":"ceso_vm.off","mode":"managed","type":"ceso_vm","change":{"actions":["update"],
   "before":{"id":"u-5","power_state":"on"},"after":{"id":"u-5","power_state":"off","force_power_off":true}}},
 {"address":"ceso_vm.new","mode":"managed","type":"ceso_vm","change":{"actions":["create"],"before":null,"after":{"name":"n"}}},
 {"address":"ceso_backup.kept","mode":"managed","type":"ceso_backup","change":{"actions":["delete"],"before":{"id":"b-1","retain_on_destroy":true},"after":null}},
 {"address":"ceso_backup.nightly","mode":"managed","type":"ceso_backup","change":{"actions":["create"],"before":null,"after":{"vm":"u-3","keep":2}}},
 {"address":"ceso_cloudinit.c","mode":"managed","type":"ceso_cloudinit","change":{"actions":["delete"],"before":{"id":"c"},"after":null}},
 {"address":"ceso_restore.db","mode":"managed","type":"ceso_restore","change":{"actions":["create"],"before":null,"after":{"vm":"u-6","backup":"b-2","vm_name":"db"}}},
 {"address":"ceso_restore.old","mode":"managed","type":"ceso_restore","change":{"actions":["delete"],"before":{"id":"u-7/b-3","vm":"u-7"},"after":null}},
 {"address":"data.ceso_host.h","mode":"data","type":"ceso_host","change":{"actions":["read"]}}
]}`
	path := filepath.Join(t.TempDir(), "plan.json")
	if err := os.WriteFile(path, []byte(plan), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := readPlan(path)
	if err != nil {
		t.Fatal(err)
	}
	var changes []string
	for _, c := range got {
		changes = append(changes, c.Address+" "+c.Change.String())
	}
	want := []string{
		"ceso_backup.nightly create ceso_backup u-3",
		"ceso_restore.db create ceso_restore u-6",
		"ceso_vm.disk update ceso_vm u-4",
		"ceso_vm.gone delete ceso_vm u-1",
		"ceso_vm.off update ceso_vm u-5",
		"ceso_vm.replaced delete ceso_vm u-2",
	}
	if diff := cmp.Diff(want, changes); diff != "" {
		t.Errorf("elevated changes (-want +got):\n%s", diff)
	}
	if err := os.WriteFile(path, []byte(`{"resource_changes":[]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := readPlan(path); err == nil {
		t.Error("a JSON file without format_version was read as a plan")
	}
}

// grant issue --plan binds the grant to the plan's elevated changes, and
// grant inspect --plan refuses a plan that needs more.
func TestPlanBoundGrantCommands(t *testing.T) {
	t.Parallel()
	dir, key, pol := approverSetup(t)
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	reviewed := write("reviewed.json", `{"format_version":"1.2","resource_changes":[
 {"address":"ceso_vm.a","mode":"managed","type":"ceso_vm","change":{"actions":["delete"],"before":{"id":"u-1"},"after":null}}]}`)
	bigger := write("bigger.json", `{"format_version":"1.2","resource_changes":[
 {"address":"ceso_vm.a","mode":"managed","type":"ceso_vm","change":{"actions":["delete"],"before":{"id":"u-1"},"after":null}},
 {"address":"ceso_vm.b","mode":"managed","type":"ceso_vm","change":{"actions":["delete"],"before":{"id":"u-2"},"after":null}}]}`)
	harmless := write("harmless.json", `{"format_version":"1.2","resource_changes":[
 {"address":"ceso_vm.c","mode":"managed","type":"ceso_vm","change":{"actions":["create"],"before":null,"after":{"name":"c"}}}]}`)

	r := run(t, t0, "", "grant", "issue", "--key", key, "--plan", reviewed, "--host", "esxi01", "--reason", "CHG-9", "--approver", "alice")
	if r.code != 0 || !strings.Contains(r.stderr, "ceso_vm.a: delete ceso_vm u-1 (the VM and its disk files are deleted)") {
		t.Fatalf("grant issue --plan: %+v", r)
	}
	token := strings.TrimSpace(r.stdout)
	r = run(t, t0, "", "grant", "inspect", "--policy", pol, "--plan", reviewed, token)
	if r.code != 0 || !strings.Contains(r.stdout, "plan:       bound to 1 changes") || !strings.Contains(r.stdout, "needs no elevation beyond the grant") {
		t.Errorf("inspect of the reviewed plan: %+v", r)
	}
	r = run(t, t0, "", "grant", "inspect", "--policy", pol, "--plan", bigger, token)
	if r.code != 1 || !strings.Contains(r.stdout, "REFUSED") || !strings.Contains(r.stdout, "ceso_vm.b: delete ceso_vm u-2") {
		t.Errorf("inspect of a bigger plan: %+v", r)
	}
	r = run(t, t0, "", "grant", "issue", "--key", key, "--plan", harmless, "--host", "esxi01", "--reason", "CHG-9", "--approver", "alice")
	if r.code != 1 || !strings.Contains(r.stderr, "needs no grant") {
		t.Errorf("grant for a plan without elevated changes: %+v", r)
	}
	r = run(t, t0, "", "grant", "issue", "--key", key, "--plan", filepath.Join(dir, "none.json"), "--host", "esxi01", "--reason", "CHG-9", "--approver", "alice")
	if r.code != 1 {
		t.Errorf("grant for a missing plan: %+v", r)
	}
}
