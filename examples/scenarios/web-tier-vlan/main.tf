# Web tier on its own VLAN: a standard vSwitch with its uplink, a port group
# tagged with the web VLAN, and N web VMs on that port group, each with a
# static address configured on first boot by cloud-init.
#
#   tofu apply -var web_count=3 -var 'ssh_public_key=ssh-ed25519 AAAA... you@example.com'
#
# Terraform creates the vSwitch, then the port group, then the VMs (each
# refers to the one before), and destroys them in the reverse order: a port
# group with VMs on it is never removed first.
terraform {
  required_version = ">= 1.6.0"
  required_providers {
    ceso = {
      source = "esxi-commander/ceso"
    }
  }
}

# Connection from CESO_HOST, CESO_USERNAME, CESO_PASSWORD and
# CESO_TLS_THUMBPRINT.
provider "ceso" {}

variable "web_count" {
  type        = number
  default     = 2
  description = "How many web VMs to run."
  validation {
    condition     = var.web_count >= 1 && var.web_count <= 50
    error_message = "web_count must be between 1 and 50."
  }
}

variable "template" {
  type        = string
  default     = "ubuntu-24.04-template"
  description = "Template (name, UUID or inventory path) every web VM is copied from."
}

variable "vswitch" {
  type        = string
  default     = "vSwitch1"
  description = "Name of the standard vSwitch made for the web tier."
}

variable "uplinks" {
  type        = list(string)
  default     = ["vmnic1"]
  description = "Physical NICs of the vSwitch; the switch port they plug into must trunk the VLAN."
}

variable "vlan_id" {
  type        = number
  default     = 42
  description = "VLAN of the web tier (1 to 4094)."
}

variable "subnet" {
  type        = string
  default     = "192.0.2.0/24"
  description = "Subnet of the web VLAN."
}

variable "first_host" {
  type        = number
  default     = 10
  description = "Host number of the first web VM in the subnet (web-01 gets .10 in a /24)."
}

variable "gateway" {
  type    = string
  default = "192.0.2.1"
}

variable "nameservers" {
  type    = list(string)
  default = ["192.0.2.53"]
}

variable "ssh_public_key" {
  type        = string
  description = "Public key of the admin user on every web VM."
}

locals {
  prefix = split("/", var.subnet)[1]
  web = {
    for i in range(var.web_count) : format("web-%02d", i + 1) => {
      address = "${cidrhost(var.subnet, var.first_host + i)}/${local.prefix}"
    }
  }
}

resource "ceso_vswitch" "web" {
  name    = var.vswitch
  uplinks = var.uplinks
}

resource "ceso_portgroup" "web" {
  name    = "web-vlan${var.vlan_id}"
  vswitch = ceso_vswitch.web.name
  vlan_id = var.vlan_id
}

resource "ceso_cloudinit" "web" {
  for_each = local.web

  hostname = each.key
  timezone = "UTC"

  users = [{
    name                = "admin"
    groups              = ["sudo"]
    sudo                = "ALL=(ALL) NOPASSWD:ALL"
    ssh_authorized_keys = [var.ssh_public_key]
  }]

  packages = ["nginx"]
  runcmd   = ["systemctl enable --now nginx"]

  network = {
    interfaces = [{
      name        = "ens192"
      addresses   = [each.value.address]
      gateway4    = var.gateway
      nameservers = var.nameservers
    }]
  }
}

resource "ceso_vm" "web" {
  for_each = local.web

  name      = each.key
  template  = var.template
  cpus      = 2
  memory_mb = 2048

  # By reference: the VMs wait for the port group, and go before it.
  network_interface {
    network = ceso_portgroup.web.name
  }

  guestinfo   = ceso_cloudinit.web[each.key].guestinfo
  power_state = "on"
}

output "web" {
  description = "Each web VM's address on the web VLAN."
  value = {
    for name, vm in ceso_vm.web : name => {
      address = local.web[name].address
      uuid    = vm.uuid
    }
  }
}
