# Agent workflow: the agent plans with a read-only ESXi user and saves the
# plan; an approver reviews its JSON and signs a grant bound to that plan; a
# CI runner, which alone holds the write credentials, applies exactly that
# saved plan with the grant. See README.md for the commands.
terraform {
  required_version = ">= 1.6.0"
  required_providers {
    ceso = {
      source = "esxi-commander/ceso"
    }
  }
}

# Nothing here names a host, a user, a mode or an audit file: the agent's
# environment supplies its read-only user, the runner's environment its
# write user, and the system policy (/etc/ceso/policy.json, root-owned) fixes
# the audit file, the allowed hosts, the approvers and the default mode. A
# saved plan carries this block as it is, so the runner's apply uses the
# runner's credentials, never the agent's.
provider "ceso" {}

variable "web" {
  type        = map(string)
  description = "Web VMs to run, by name, with their address. The agent's proposal edits this map."
  default = {
    "web-04" = "192.0.2.13/24"
    "web-05" = "192.0.2.14/24"
  }
}

variable "template" {
  type        = string
  description = "Template the web VMs are made from (data source ceso_templates lists the host's), e.g. ubuntu-24.04-template."
}

variable "ssh_public_key" {
  type        = string
  description = "Public key of the admin user."
}

resource "ceso_cloudinit" "web" {
  for_each = var.web

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
  for_each = var.web

  name      = each.key
  template  = var.template
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
