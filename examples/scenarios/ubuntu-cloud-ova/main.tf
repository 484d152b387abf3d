# Ubuntu's published cloud OVA onto a fresh standalone ESXi host, then a VM
# from it configured by cloud-init through guestinfo. Connection settings
# come from CESO_HOST, CESO_USERNAME and CESO_PASSWORD.
#
#   curl -s https://cloud-images.ubuntu.com/releases/24.04/release/SHA256SUMS |
#     grep server-cloudimg-amd64.ova
#   terraform apply -var ova_sha256=<that sum>
terraform {
  required_providers {
    ceso = {
      source = "esxi-commander/ceso"
    }
  }
}

provider "ceso" {}

variable "ova_sha256" {
  description = "SHA-256 of the OVA from Ubuntu's SHA256SUMS."
  type        = string
}

variable "datastore" {
  type    = string
  default = "datastore1"
}

variable "port_group" {
  type    = string
  default = "VM Network"
}

# The OVA is streamed from Ubuntu's mirror to the host: about 600 MiB, never
# written to the machine that runs Terraform. The template gets no OVF
# properties: the VMs made from it get their cloud-init data from guestinfo.
resource "ceso_image" "noble" {
  name          = "ubuntu-24.04-template"
  source        = "https://cloud-images.ubuntu.com/releases/24.04/release/ubuntu-24.04-server-cloudimg-amd64.ova"
  source_sha256 = var.ova_sha256
  datastore     = var.datastore
  template      = true

  network_mappings = {
    "VM Network" = var.port_group
  }
}

resource "ceso_cloudinit" "web" {
  hostname            = "web-01"
  ssh_authorized_keys = [file("~/.ssh/id_ed25519.pub")]
  packages            = ["nginx"]

  network = {
    interfaces = [{
      name  = "ens192"
      dhcp4 = true
    }]
  }
}

resource "ceso_vm" "web" {
  name        = "web-01"
  template    = ceso_image.noble.uuid
  cpus        = 2
  memory_mb   = 4096
  guestinfo   = ceso_cloudinit.web.guestinfo
  power_state = "on"
  wait_for_ip = "5m"

  # The cloud image's disk is 3.5 GiB; grow it (cloud-init's growpart
  # extends the root file system at first boot).
  disk {
    unit_number = 0
    size_gb     = 20
  }
}

output "web_ip" {
  value = ceso_vm.web.default_ip
}
