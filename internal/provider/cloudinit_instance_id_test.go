package provider_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/esxi-commander/terraform-provider-ceso/internal/acctest"
	"github.com/esxi-commander/terraform-provider-ceso/internal/cloudinit"
	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
)

var instanceIDLine = regexp.MustCompile(`(?m)^instance-id: *"?([^"\n]+)"?$`)

// hostInstanceID decodes the payload on the VM and returns its instance-id
// and user-data.
func hostInstanceID(h *acctest.Host, name string) (id, userData string, err error) {
	userData, meta, _, err := cloudinit.Decode(acctest.ExtraConfig(h.VM(context.Background(), name)))
	if err != nil {
		return "", "", err
	}
	m := instanceIDLine.FindStringSubmatch(meta)
	if m == nil {
		return "", "", fmt.Errorf("no instance-id in the VM's meta-data:\n%s", meta)
	}
	return m[1], userData, nil
}

// TestAccCloudinit_inPlaceUpdateKeepsInstanceID edits the payload of a VM
// updated in place: the VM must get the new user-data with the same
// instance-id, so cloud-init does not take the next boot for a new
// instance. Setting instance_id is the explicit way to get a re-run.
func TestAccCloudinit_inPlaceUpdateKeepsInstanceID(t *testing.T) {
	h := acctest.StartHost(t, simhost.Options{})
	cfg := func(cmd, extra string) string {
		return h.ProviderConfig(unrestricted) + fmt.Sprintf(`
resource "ceso_cloudinit" "web" {
  hostname = "web-07"
  runcmd   = [%q]
  %s
}
resource "ceso_vm" "web" {
  name             = "web-07"
  template         = "ceso-template"
  power_state      = "off"
  guestinfo        = ceso_cloudinit.web.guestinfo
  cloudinit_update = "in_place"
}
`, cmd, extra)
	}
	var first string
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             vmGone(h, "web-07"),
		Steps: []resource.TestStep{
			{
				Config: cfg("echo one", ""),
				Check: func(*terraform.State) error {
					var err error
					first, _, err = hostInstanceID(h, "web-07")
					return err
				},
			},
			{
				Config: cfg("echo two", ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("ceso_vm.web", plancheck.ResourceActionUpdate),
					plancheck.ExpectResourceAction("ceso_cloudinit.web", plancheck.ResourceActionUpdate)}},
				Check: func(*terraform.State) error {
					id, ud, err := hostInstanceID(h, "web-07")
					switch {
					case err != nil:
						return err
					case !strings.Contains(ud, "echo two"):
						return fmt.Errorf("the VM did not get the new user-data:\n%s", ud)
					case id != first:
						return fmt.Errorf("an in-place update changed the instance-id from %s to %s: the guest would regenerate its SSH host keys", first, id)
					}
					return nil
				},
			},
			{Config: cfg("echo two", ""), ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}},
			{ // asking for a re-run explicitly
				Config: cfg("echo two", `instance_id = "web-07-rerun-1"`),
				Check: func(*terraform.State) error {
					id, _, err := hostInstanceID(h, "web-07")
					if err == nil && id != "web-07-rerun-1" {
						err = fmt.Errorf("instance-id on the VM is %s, want the configured web-07-rerun-1", id)
					}
					return err
				},
			},
		},
	})
}
