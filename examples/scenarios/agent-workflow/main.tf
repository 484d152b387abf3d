# Agent workflow: an agent (or a CI job) plans in restricted mode, a human
# reviews the saved plan and signs a short elevation grant, and the apply
# runs exactly that plan with the grant. See README.md for the commands.
terraform {
  required_version = ">= 1.6.0"
  required_providers {
    ceso = {
      source = "esxi-commander/ceso"
    }
  }
}

# The configuration asks for restricted mode; the administrator's
# CESO_MODE and policy file may lower it further, never raise it. The grant
# comes from CESO_ELEVATION at apply time, never from this file: a saved plan
# carries the provider configuration it was made with.
provider "ceso" {
  mode       = "restricted"
  audit_file = var.audit_file

  metrics {
    pushgateway_url = var.pushgateway_url
  }
}

variable "audit_file" {
  type        = string
  default     = "/var/log/ceso/audit.jsonl"
  description = "Hash-chained audit file: one intent and one outcome record per change."
}

variable "pushgateway_url" {
  type        = string
  default     = null
  description = "Prometheus Pushgateway for ceso's metrics (optional)."
}

variable "ssh_public_key" {
  type        = string
  description = "Public key of the admin user."
}

# What the agent asks for: two more web VMs.
locals {
  web = {
    "web-04" = "192.0.2.13/24"
    "web-05" = "192.0.2.14/24"
  }
}

resource "ceso_cloudinit" "web" {
  for_each = local.web

  hostname            = each.key
  ssh_authorized_keys = [var.ssh_public_key]
  packages            = ["nginx"]

  network = {
    interfaces = [{
      name        = "ens192"
      addresses   = [each.value]
      gateway4    = "192.0.2.1"
      nameservers = ["192.0.2.53"]
    }]
  }
}

resource "ceso_vm" "web" {
  for_each = local.web

  name      = each.key
  template  = "ubuntu-24.04-template"
  cpus      = 2
  memory_mb = 2048
  guestinfo = ceso_cloudinit.web[each.key].guestinfo

  network_interface {
    network = "VM Network"
  }
}

output "web_vms" {
  value = { for name, vm in ceso_vm.web : name => vm.path }
}
