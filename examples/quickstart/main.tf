# Quickstart: point ceso at an ESXi host (here the simulated one that
# `make demo` starts), read what is there, deploy an OVA as a template, and
# create a VM from it with a static-IP cloud-init payload. Connection
# settings come from CESO_HOST, CESO_USERNAME, CESO_PASSWORD and
# CESO_INSECURE. `make demo` generates a small cloud-image-shaped OVA; on a
# real host, use Ubuntu's cloud OVA (a URL works too):
#   -var ova=https://cloud-images.ubuntu.com/releases/24.04/release/ubuntu-24.04-server-cloudimg-amd64.ova
#   -var ova_sha256=<its line in SHA256SUMS>
terraform {
  required_providers {
    ceso = {
      source = "esxi-commander/ceso"
    }
  }
}

provider "ceso" {}

data "ceso_host" "this" {}

data "ceso_datastores" "all" {}

data "ceso_networks" "all" {}

data "ceso_vms" "all" {}

variable "ova" {
  description = "Local path or http(s) URL of the OVA to deploy."
  type        = string
}

variable "ova_sha256" {
  description = "SHA-256 of the OVA, checked while it streams to the host."
  type        = string
}

# The OVA streamed to the host and made a template (on a standalone host, the
# ceso template marker; on vCenter, the template flag).
resource "ceso_image" "ubuntu" {
  name          = "ubuntu-24.04-template"
  source        = var.ova
  source_sha256 = var.ova_sha256
  template      = true

  network_mappings = {
    "VM Network" = "VM Network"
  }
}

# cloud-init for the VMware guestinfo datasource: the network config goes in
# the metadata, where cloud-init reads it.
resource "ceso_cloudinit" "web" {
  hostname = "web-01"
  packages = ["nginx"]

  network = {
    interfaces = [{
      name        = "ens192"
      addresses   = ["192.0.2.10/24"]
      gateway4    = "192.0.2.1"
      nameservers = ["192.0.2.53"]
    }]
  }
}

# A standalone ESXi host refuses clones: ceso creates the VM and copies the
# template's disks into it.
resource "ceso_vm" "web" {
  name        = "web-01"
  template    = ceso_image.ubuntu.uuid
  cpus        = 2
  memory_mb   = 2048
  guestinfo   = ceso_cloudinit.web.guestinfo
  power_state = "on"
  wait_for_ip = "2m"
}

output "host" {
  value = {
    product      = data.ceso_host.this.product
    version      = data.ceso_host.this.version
    build        = data.ceso_host.this.build
    free_licence = data.ceso_host.this.free_licence
    cpu_cores    = data.ceso_host.this.cpu_cores
    memory_gib   = floor(data.ceso_host.this.memory_bytes / 1073741824)
  }
}

output "datastores" {
  value = { for ds in data.ceso_datastores.all.datastores : ds.name => "${floor(ds.free_bytes / 1073741824)} GiB free of ${floor(ds.capacity_bytes / 1073741824)} GiB" }
}

output "networks" {
  value = [for n in data.ceso_networks.all.networks : n.name]
}

output "vms" {
  value = { for vm in data.ceso_vms.all.vms : vm.name => vm.power_state }
}

output "web" {
  value = {
    uuid        = ceso_vm.web.uuid
    path        = ceso_vm.web.path
    power_state = ceso_vm.web.power_state
    ip          = ceso_vm.web.default_ip
  }
}

output "image" {
  value = {
    uuid  = ceso_image.ubuntu.uuid
    path  = ceso_image.ubuntu.path
    disks = [for d in ceso_image.ubuntu.disks : "${d.path} (${floor(d.size_bytes / 1048576)} MiB)"]
  }
}
