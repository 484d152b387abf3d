# Ubuntu's cloud OVA, streamed from the mirror straight onto the host (nothing
# is downloaded to disk first) and checked against the published SHA-256.
# On a standalone host the image is marked a ceso template; on vCenter it
# gets vCenter's template flag.
variable "ubuntu_ova_sha256" {
  description = "SHA-256 of the OVA, from the SHA256SUMS file next to it."
  type        = string
}

resource "ceso_image" "ubuntu" {
  name          = "ubuntu-24.04-template"
  source        = "https://cloud-images.ubuntu.com/releases/24.04/release/ubuntu-24.04-server-cloudimg-amd64.ova"
  source_sha256 = var.ubuntu_ova_sha256
  datastore     = "datastore1"
  template      = true

  # Every network the package declares needs a port group.
  network_mappings = {
    "VM Network" = "VM Network"
  }
}

# A VM from the image: its disks are copied (standalone host) or cloned
# (vCenter), and cloud-init reads ceso's payload from guestinfo.
resource "ceso_cloudinit" "web" {
  hostname = "web-01"
}

resource "ceso_vm" "web" {
  name        = "web-01"
  template    = ceso_image.ubuntu.uuid
  guestinfo   = ceso_cloudinit.web.guestinfo
  power_state = "on"
}

# An appliance that reads its settings from OVF properties, from a local file.
resource "ceso_image" "appliance" {
  name              = "monitoring-appliance"
  source            = "${path.module}/appliance.ova"
  disk_provisioning = "thick"

  network_mappings = {
    "Management" = "mgmt"
  }

  ovf_properties = {
    hostname = "monitor-01"
  }
}
