# Quickstart: point ceso at an ESXi host (here the simulated one that
# `make demo` starts), read what is there, and create a VM from a template
# with a static-IP cloud-init payload. Connection settings come from
# CESO_HOST, CESO_USERNAME, CESO_PASSWORD and CESO_INSECURE.
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
  template    = "ceso-template"
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
