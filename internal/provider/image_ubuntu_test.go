package provider_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/acctest"
	"github.com/esxi-commander/terraform-provider-ceso/internal/image/ovatest"
	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
)

// TestAccImage_ubuntuCloudOVA runs the whole path of the guide on a package
// with the hardware of Ubuntu's published cloud OVA (vmx-10, ISO transport,
// paravirtual SCSI, IDE CD-ROM, serial console, floppy, VMXNET3; see
// ovatest.UbuntuCloudImage): ceso_image deploys it as a template, ceso_vm
// makes a running VM from it, and ceso_cloudinit's payload reaches the VM's
// guestinfo, where cloud-init's VMware datasource reads it. The host is
// checked through the API; a second plan is empty; destroy leaves nothing.
func TestAccImage_ubuntuCloudOVA(t *testing.T) {
	testUbuntuCloudOVA(t, simhost.Options{Templates: -1}, "")
}

func TestAccImage_ubuntuCloudOVA_vcenter(t *testing.T) {
	testUbuntuCloudOVA(t, simhost.Options{VCenter: true, Templates: -1}, `datacenter = "DC0"`)
}

func testUbuntuCloudOVA(t *testing.T, opts simhost.Options, extra string) {
	h := acctest.StartHost(t, opts)
	ova, sum, err := ovatest.WriteOVA(t.TempDir(), "noble-server-cloudimg-amd64.ova", ovatest.UbuntuCloudImage("ubuntu-noble-24.04-cloudimg"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := h.ProviderConfig(unrestricted, extra) + fmt.Sprintf(`
resource "ceso_image" "noble" {
  name             = "ubuntu-24.04"
  source           = %q
  source_sha256    = %q
  template         = true
  network_mappings = { "VM Network" = "VM Network" }
}

resource "ceso_cloudinit" "web" {
  hostname = "web-01"
  users = [{
    name                = "ops"
    ssh_authorized_keys = ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBw9l6rCq5XZ0V3jyRn6hY3u3mQ4X0oXqJ6o0t4x1N0m ops@example"]
  }]
  network = {
    interfaces = [{
      name      = "ens192"
      addresses = ["10.0.0.10/24"]
      gateway4  = "10.0.0.1"
    }]
  }
}

resource "ceso_vm" "web" {
  name        = "web-01"
  template    = ceso_image.noble.uuid
  power_state = "on"
  guestinfo   = ceso_cloudinit.web.guestinfo
}
`, ova, sum)
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             func(*terraform.State) error { return nothingNamed(h, "ubuntu-24.04", "web-01") },
		Steps: []resource.TestStep{
			{
				Config: cfg,
				Check: func(*terraform.State) error {
					ctx := context.Background()
					img := h.VM(ctx, "ubuntu-24.04")
					if img.Config.Version != "vmx-10" {
						return fmt.Errorf("image hardware version %q, want the descriptor's vmx-10", img.Config.Version)
					}
					kinds := map[string]int{}
					for _, d := range img.Config.Hardware.Device {
						switch d.(type) {
						case *types.ParaVirtualSCSIController:
							kinds["pvscsi"]++
						case *types.VirtualSerialPort:
							kinds["serial"]++
						case *types.VirtualCdrom:
							kinds["cdrom"]++
						case *types.VirtualVmxnet3:
							kinds["vmxnet3"]++
						case *types.VirtualDisk:
							kinds["disk"]++
						}
					}
					for _, k := range []string{"pvscsi", "serial", "cdrom", "vmxnet3", "disk"} {
						if kinds[k] != 1 {
							return fmt.Errorf("the image has %v; want one each of pvscsi, serial, cdrom, vmxnet3, disk", kinds)
						}
					}
					if got := vAppProperty(img, "instance-id"); got != "" && got != "id-ovf" {
						return fmt.Errorf("instance-id on the image = %q", got)
					}
					v := h.VM(ctx, "web-01")
					if v.Runtime.PowerState != types.VirtualMachinePowerStatePoweredOn {
						return fmt.Errorf("web-01 is %s", v.Runtime.PowerState)
					}
					ec := acctest.ExtraConfig(v)
					meta, err := gunzipBase64(ec["guestinfo.metadata"])
					if err != nil || ec["guestinfo.metadata.encoding"] != "gzip+base64" {
						return fmt.Errorf("guestinfo.metadata (%s): %w", ec["guestinfo.metadata.encoding"], err)
					}
					user, err := gunzipBase64(ec["guestinfo.userdata"])
					if err != nil {
						return fmt.Errorf("guestinfo.userdata: %w", err)
					}
					if !strings.Contains(meta, "web-01") || !strings.Contains(meta, "10.0.0.10/24") {
						return fmt.Errorf("metadata lacks the hostname or the address:\n%s", meta)
					}
					if !strings.HasPrefix(user, "#cloud-config") || !strings.Contains(user, "ops@example") {
						return fmt.Errorf("user-data lacks the user:\n%s", user)
					}
					return nil
				},
			},
			{Config: cfg, ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}},
		},
	})
}

func gunzipBase64(s string) (string, error) {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return "", err
	}
	r, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return "", err
	}
	out, err := io.ReadAll(r)
	return string(out), err
}
