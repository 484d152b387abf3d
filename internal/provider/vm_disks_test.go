package provider_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/esxi-commander/terraform-provider-ceso/internal/acctest"
	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
)

// diskVM is a powered-off VM with the given disk blocks.
func diskVM(h *acctest.Host, name string, blocks ...string) string {
	return h.ProviderConfig(unrestricted) + fmt.Sprintf(`
resource "ceso_vm" "d" {
  name        = %q
  guest_id    = "ubuntu64Guest"
  cpus        = 1
  memory_mb   = 512
  power_state = "off"
%s
}
`, name, strings.Join(blocks, "\n"))
}

func disk(size int) string { return fmt.Sprintf("  disk {\n    size_gb = %d\n  }", size) }

func diskAt(unit, size int) string {
	return fmt.Sprintf("  disk {\n    unit_number = %d\n    size_gb     = %d\n  }", unit, size)
}

// TestAccVM_removeOneOfThreeDisks removes the first, the middle and the
// last of three disks. Removing a block without naming the disks that stay
// is ambiguous and refused at plan; naming them by unit_number removes
// exactly the one no block names, and the host keeps the others' files and
// sizes.
func TestAccVM_removeOneOfThreeDisks(t *testing.T) {
	for _, tc := range []struct {
		name   string
		remove int
	}{{"first", 0}, {"middle", 1}, {"last", 2}} {
		t.Run(tc.name, func(t *testing.T) {
			h := acctest.StartHost(t, simhost.Options{})
			name := "disks-" + tc.name
			var orig []hostDisk
			var keep, keepNumbered []string
			for i, size := range []int{1, 2, 3} {
				if i != tc.remove {
					keep = append(keep, disk(size))
					keepNumbered = append(keepNumbered, diskAt(i, size))
				}
			}
			remaining := func() []hostDisk {
				var out []hostDisk
				for i, d := range orig {
					if i != tc.remove {
						out = append(out, d)
					}
				}
				return out
			}
			resource.ParallelTest(t, resource.TestCase{
				PreCheck:                 func() { acctest.PreCheck(t) },
				ProtoV6ProviderFactories: acctest.ProviderFactories,
				CheckDestroy:             vmGone(h, name),
				Steps: []resource.TestStep{
					{
						Config: diskVM(h, name, disk(1), disk(2), disk(3)),
						ConfigStateChecks: []statecheck.StateCheck{
							statecheck.ExpectKnownValue("ceso_vm.d", tfjsonpath.New("disk").AtSliceIndex(2).AtMapKey("unit_number"), knownvalue.Int64Exact(2)),
						},
						Check: func(*terraform.State) error {
							orig = hostDisks(h, name)
							if len(orig) != 3 {
								return fmt.Errorf("want 3 disks on the host, got %v", orig)
							}
							for i, d := range orig {
								if d.KB != int64(i+1)<<20 || d.Unit != int32(i) {
									return fmt.Errorf("disk %d on the host is %v, want unit %d of %d GiB", i, d, i, i+1)
								}
							}
							return nil
						},
					},
					{ // the blocks left do not say which disks they are: refused, nothing touched
						Config:      diskVM(h, name, keep...),
						ExpectError: acctest.ErrorMatching("unit_number"),
					},
					{ // named by unit: exactly the one disk goes
						PreConfig: func() {
							if err := sameDisks(h, name, orig); err != nil {
								t.Errorf("the refused plan changed the host: %v", err)
							}
						},
						Config: diskVM(h, name, keepNumbered...),
						ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
							plancheck.ExpectResourceAction("ceso_vm.d", plancheck.ResourceActionUpdate),
							// what the update keeps is shown, not "known after apply"
							plancheck.ExpectKnownValue("ceso_vm.d", tfjsonpath.New("path"), knownvalue.StringExact("/ha-datacenter/vm/"+name)),
							plancheck.ExpectKnownValue("ceso_vm.d", tfjsonpath.New("moid"), acctest.NonEmpty()),
							plancheck.ExpectKnownValue("ceso_vm.d", tfjsonpath.New("is_template"), knownvalue.Bool(false)),
							plancheck.ExpectKnownValue("ceso_vm.d", tfjsonpath.New("mac_addresses"), knownvalue.ListSizeExact(0)),
							plancheck.ExpectKnownValue("ceso_vm.d", tfjsonpath.New("disk").AtSliceIndex(1).AtMapKey("path"), acctest.NonEmpty()),
							plancheck.ExpectKnownValue("ceso_vm.d", tfjsonpath.New("disk").AtSliceIndex(1).AtMapKey("unit_number"), knownvalue.NotNull()),
						}},
						ConfigStateChecks: []statecheck.StateCheck{
							statecheck.ExpectKnownValue("ceso_vm.d", tfjsonpath.New("disk"), knownvalue.ListSizeExact(2)),
						},
						Check: func(*terraform.State) error {
							if err := sameDisks(h, name, remaining()); err != nil {
								return err
							}
							return fileGone(h, orig[tc.remove].File)
						},
					},
					{
						Config:           diskVM(h, name, keepNumbered...),
						ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
					},
					{ResourceName: "ceso_vm.d", ImportState: true, ImportStateVerify: true, ImportStateVerifyIgnore: vmImportIgnore},
				},
			})
		})
	}
}

// TestAccVM_diskAtSCSIUnit20 adds a disk at unit 20 of the first (PVSCSI)
// controller, which hardware version 14 and later allow: it must land on
// bus 0 unit 20, and the next plan must leave it alone.
func TestAccVM_diskAtSCSIUnit20(t *testing.T) {
	h := acctest.StartHost(t, simhost.Options{})
	name := "unit20"
	base := diskVM(h, name, disk(1), diskAt(20, 2))
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             vmGone(h, name),
		Steps: []resource.TestStep{
			{
				Config: strings.Replace(base, `cpus        = 1`, "cpus        = 1\n  hardware_version = 19", 1),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("ceso_vm.d", tfjsonpath.New("disk").AtSliceIndex(1).AtMapKey("unit_number"), knownvalue.Int64Exact(20)),
				},
				Check: func(*terraform.State) error {
					got := hostDisks(h, name)
					if len(got) != 2 || got[1].Bus != 0 || got[1].Unit != 20 || got[1].KB != 2<<20 {
						return fmt.Errorf("want a 2 GiB disk at bus 0 unit 20 besides the first, host has %v", got)
					}
					return nil
				},
			},
			{
				Config:           strings.Replace(base, `cpus        = 1`, "cpus        = 1\n  hardware_version = 19", 1),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
		},
	})
}

// TestAccVM_removeKeptDisk removes a disk declared with keep_on_remove: it
// is detached, and its files move to the VM's "-kept" folder instead of
// being deleted.
func TestAccVM_removeKeptDisk(t *testing.T) {
	h := acctest.StartHost(t, simhost.Options{})
	name := "keep-01"
	kept := "  disk {\n    unit_number    = 1\n    size_gb        = 2\n    keep_on_remove = true\n  }"
	var orig []hostDisk
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             vmGone(h, name),
		Steps: []resource.TestStep{
			{
				Config: diskVM(h, name, diskAt(0, 1), kept),
				Check: func(*terraform.State) error {
					orig = hostDisks(h, name)
					return nil
				},
			},
			{
				Config: diskVM(h, name, diskAt(0, 1)),
				Check: func(*terraform.State) error {
					if err := sameDisks(h, name, orig[:1]); err != nil {
						return err
					}
					files, err := h.Files()
					if err != nil {
						return err
					}
					base := orig[1].File[strings.LastIndex(orig[1].File, "/")+1:]
					for _, f := range files {
						if strings.HasSuffix(f, "/"+name+"-kept/"+base) {
							return nil
						}
					}
					return fmt.Errorf("the kept disk %s is not in %s-kept: %v", orig[1].File, name, files)
				},
			},
			{Config: diskVM(h, name, diskAt(0, 1)), ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}},
		},
	})
}
