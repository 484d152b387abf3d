package provider_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/vmware/govmomi/object"

	"github.com/esxi-commander/terraform-provider-ceso/internal/acctest"
	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
	"github.com/esxi-commander/terraform-provider-ceso/internal/snapshot"
)

// snapVM is a running VM made from the template, to snapshot.
func snapVM(name string) string {
	return fmt.Sprintf(`
resource "ceso_vm" "app" {
  name        = %q
  template    = "ceso-template"
  power_state = "on"
}
`, name)
}

// snapRes is a ceso_snapshot of that VM; extra lines go inside it.
func snapRes(desc string, extra ...string) string {
	body := ""
	for _, e := range extra {
		body += "  " + e + "\n"
	}
	return fmt.Sprintf(`
resource "ceso_snapshot" "pre" {
  vm          = ceso_vm.app.id
  name        = "before-upgrade"
  description = %q
  memory      = true # a revert returns the VM running, as ceso_vm.app says it is
%s}
`, desc, body)
}

// hostSnapshots reads a VM's snapshots from the simulated host.
func hostSnapshots(h *acctest.Host, vmName string) []snapshot.Node {
	return snapshot.Flatten(h.VM(context.Background(), vmName).Snapshot)
}

// expectSnapshots checks the VM's snapshots on the host by name and description.
func expectSnapshots(h *acctest.Host, vmName string, want ...string) acctest.HostCheck {
	return func() error {
		var got []string
		for _, n := range hostSnapshots(h, vmName) {
			got = append(got, n.Name+": "+n.Description)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			return fmt.Errorf("snapshots of %s on the host: %q, want %q", vmName, got, want)
		}
		return nil
	}
}

// currentIs checks that the VM runs on the snapshot named name.
func currentIs(h *acctest.Host, vmName, name string) acctest.HostCheck {
	return func() error {
		for _, n := range hostSnapshots(h, vmName) {
			if n.Current {
				if n.Name != name {
					return fmt.Errorf("VM %s runs on snapshot %q, want %q", vmName, n.Name, name)
				}
				return nil
			}
		}
		return fmt.Errorf("VM %s has no current snapshot, want %q", vmName, name)
	}
}

// snapshotBehind takes a snapshot of the VM through the API, as an operator
// would: the VM then runs on it, so a revert to another one is visible.
func snapshotBehind(t *testing.T, h *acctest.Host, vmName, name string) {
	t.Helper()
	ctx := context.Background()
	c, err := h.Client(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Logout(ctx) }()
	v := h.VM(ctx, vmName)
	task, err := object.NewVirtualMachine(c.Client, v.Self).CreateSnapshot(ctx, name, "", false, false)
	if err == nil {
		err = task.Wait(ctx)
	}
	if err != nil {
		t.Fatalf("snapshot %s behind Terraform's back: %v", vmName, err)
	}
}

var snapshotImportIgnore = []string{"revert_on_change", "timeouts"}

func testSnapshotLifecycle(t *testing.T, opts simhost.Options, vmName string, provider ...string) {
	h := acctest.StartHost(t, opts)
	cfg := func(res string) string {
		return h.ProviderConfig(append([]string{unrestricted}, provider...)...) + snapVM(vmName) + res
	}
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             vmGone(h, vmName),
		Steps: []resource.TestStep{
			{
				Config: cfg(snapRes("pre 2.0")),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("ceso_snapshot.pre", tfjsonpath.New("vm_name"), knownvalue.StringExact(vmName)),
					statecheck.ExpectKnownValue("ceso_snapshot.pre", tfjsonpath.New("snapshot_id"), acctest.Positive()),
					statecheck.ExpectKnownValue("ceso_snapshot.pre", tfjsonpath.New("quiesced"), knownvalue.Bool(false)),
					expectSnapshots(h, vmName, "before-upgrade: pre 2.0"),
				},
			},
			{Config: cfg(snapRes("pre 2.0")), ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}},
			{ // in place: the same snapshot, a new description
				Config: cfg(snapRes("pre 2.0, checked")),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("ceso_snapshot.pre", plancheck.ResourceActionUpdate)}},
				ConfigStateChecks: []statecheck.StateCheck{expectSnapshots(h, vmName, "before-upgrade: pre 2.0, checked")},
			},
			{ResourceName: "ceso_snapshot.pre", ImportState: true, ImportStateVerify: true, ImportStateVerifyIgnore: snapshotImportIgnore},
			{ // by VM name and snapshot name
				ResourceName: "ceso_snapshot.pre", ImportState: true, ImportStateVerify: true, ImportStateVerifyIgnore: snapshotImportIgnore,
				ImportStateId: vmName + "/before-upgrade",
			},
			{ // clearing the description is refused at plan
				Config:      cfg(snapRes("")),
				ExpectError: acctest.ErrorMatching("Cannot Clear Snapshot Description", `snapshot "before-upgrade" of VM `+vmName),
			},
			{ // a new revert_on_change value returns the VM to the snapshot
				PreConfig: func() { snapshotBehind(t, h, vmName, "later") },
				Config:    cfg(snapRes("pre 2.0, checked", `revert_on_change = "1"`)),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("ceso_snapshot.pre", plancheck.ResourceActionUpdate)}},
				ConfigStateChecks: []statecheck.StateCheck{currentIs(h, vmName, "before-upgrade")},
			},
			{Config: cfg(snapRes("pre 2.0, checked", `revert_on_change = "1"`)), ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}},
			{ // the ceso_vm data source shows the tree: "later" is a child of ours, and the VM runs on ours
				Config: cfg(snapRes("pre 2.0, checked", `revert_on_change = "1"`) + `
data "ceso_vm" "app" {
  uuid       = ceso_vm.app.id
  depends_on = [ceso_snapshot.pre]
}
`),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.ceso_vm.app", tfjsonpath.New("snapshots"), knownvalue.ListExact([]knownvalue.Check{
						knownvalue.ObjectPartial(map[string]knownvalue.Check{"name": knownvalue.StringExact("before-upgrade"),
							"description": knownvalue.StringExact("pre 2.0, checked"), "parent_id": knownvalue.Null(), "current": knownvalue.Bool(true), "memory": knownvalue.Bool(true)}),
						knownvalue.ObjectPartial(map[string]knownvalue.Check{"name": knownvalue.StringExact("later"), "current": knownvalue.Bool(false)}),
					})),
					statecheck.CompareValuePairs("data.ceso_vm.app", tfjsonpath.New("snapshots").AtSliceIndex(1).AtMapKey("parent_id"),
						"ceso_snapshot.pre", tfjsonpath.New("snapshot_id"), compare.ValuesSame()),
				},
			},
			{ // destroying the snapshot keeps the VM and the other snapshot
				Config:            cfg(""),
				ConfigStateChecks: []statecheck.StateCheck{expectSnapshots(h, vmName, "later: ")},
			},
		},
	})
}

func TestAccSnapshot_lifecycleESX(t *testing.T) {
	testSnapshotLifecycle(t, simhost.Options{}, "snap-esx")
}

func TestAccSnapshot_lifecycleVCenter(t *testing.T) {
	testSnapshotLifecycle(t, simhost.Options{VCenter: true}, "snap-vpx", `datacenter = "DC0"`)
}

// In standard mode a snapshot is taken freely, but a revert is destructive:
// refused without a grant (the VM stays where it is), done with one.
// Sets CESO_POLICY_FILE, so it does not run in parallel.
func TestAccSnapshot_revertNeedsGrant(t *testing.T) {
	ap := acctest.NewApprover(t, "unrestricted")
	h := acctest.StartHost(t, simhost.Options{})
	grant := ap.Grant("unrestricted", []string{"guarded-*"}, time.Now(), time.Hour)
	standard := h.ProviderConfig(`mode = "standard"`)
	elevated := h.ProviderConfig(`mode = "standard"`, fmt.Sprintf("elevation = %q", grant))
	revert := snapRes("pre", `revert_on_change = "go"`)
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy: func(*terraform.State) error {
			return vmGone(h, "guarded-01")(nil)
		},
		Steps: []resource.TestStep{
			{Config: standard + snapVM("guarded-01") + snapRes("pre"), ConfigStateChecks: []statecheck.StateCheck{expectSnapshots(h, "guarded-01", "before-upgrade: pre")}},
			{
				PreConfig:   func() { snapshotBehind(t, h, "guarded-01", "later") },
				Config:      standard + snapVM("guarded-01") + revert,
				ExpectError: acctest.ErrorMatching("Refused", "snapshot_revert", `ceso_snapshot "guarded-01"`),
			},
			{ // nothing happened on the host
				Config:             standard + snapVM("guarded-01") + snapRes("pre"),
				ConfigStateChecks:  []statecheck.StateCheck{currentIs(h, "guarded-01", "later")},
				ExpectNonEmptyPlan: false,
			},
			{Config: elevated + snapVM("guarded-01") + revert, ConfigStateChecks: []statecheck.StateCheck{currentIs(h, "guarded-01", "before-upgrade")}},
		},
	})
}
