# Web tier: N identical web VMs from one template, each with a static
# address, configured on first boot by cloud-init. Scale with web_count;
# addresses are host numbers first_host, first_host+1, ... of the subnet.
#
#   tofu apply -var web_count=3 -var 'ssh_public_key=ssh-ed25519 AAAA... you@example.com'
#
# Scaling up creates VMs, which standard mode (the default) allows. Scaling
# down or destroying deletes VMs: that needs an elevation grant covering
# their names (see ../agent-workflow), or CESO_MODE=unrestricted where the
# system policy allows it.
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
  default     = 3
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

variable "network" {
  type        = string
  default     = "VM Network"
  description = "Port group of the web VMs."
}

variable "subnet" {
  type        = string
  default     = "192.0.2.0/24"
  description = "Subnet of the web VMs' static addresses."
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

# The templates this host offers, to fail early with a clear message when
# the template is missing.
data "ceso_templates" "all" {}

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

  package_update = true
  packages       = ["nginx"]

  write_files = [{
    path        = "/var/www/html/index.html"
    content     = "<h1>${each.key}</h1>\n"
    permissions = "0644"
  }]
  runcmd = ["systemctl enable --now nginx"]

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

  network_interface {
    network = var.network
  }

  guestinfo   = ceso_cloudinit.web[each.key].guestinfo
  power_state = "on"
  wait_for_ip = "5m"

  lifecycle {
    precondition {
      condition = anytrue([
        for t in data.ceso_templates.all.templates : contains([t.name, t.path, t.uuid], var.template)
      ])
      error_message = "Template ${var.template} is not on this host; see the ceso_templates data source."
    }
  }
}

output "web" {
  description = "Each web VM's configured address and the address VMware Tools reports."
  value = {
    for name, vm in ceso_vm.web : name => {
      address     = local.web[name].address
      reported_ip = vm.default_ip
      uuid        = vm.uuid
    }
  }
}
