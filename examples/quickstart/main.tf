# Quickstart: point ceso at an ESXi host (here the simulated one that
# `make demo` starts) and read what is there. Connection settings come from
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
