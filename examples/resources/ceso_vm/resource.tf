# A VM copied from a template, configured on first boot by cloud-init.
# On a standalone ESXi host ceso copies the template's disks into a new VM
# (the host refuses clones); on vCenter it clones.
resource "ceso_cloudinit" "web" {
  hostname            = "web-01"
  ssh_authorized_keys = [var.ssh_public_key]
  packages            = ["nginx"]

  network = {
    interfaces = [{
      name        = "ens192"
      addresses   = ["192.0.2.10/24"]
      gateway4    = "192.0.2.1"
      nameservers = ["192.0.2.53"]
    }]
  }
}

resource "ceso_vm" "web" {
  name      = "web-01"
  template  = "ubuntu-24.04-template" # a name, UUID or inventory path
  datastore = "datastore1"
  cpus      = 2
  memory_mb = 4096

  # The first disk is the template's system disk, grown to 40 GiB; the
  # second is a new, empty data disk. A disk is identified by its unit
  # number: to remove one later, the blocks that stay must give theirs.
  disk {
    unit_number = 0
    size_gb     = 40
  }
  disk {
    unit_number  = 1
    size_gb      = 100
    provisioning = "thin"
  }

  network_interface {
    network      = "VM Network"
    adapter_type = "vmxnet3"
  }

  # guestinfo.userdata / guestinfo.metadata for cloud-init's VMware
  # datasource. A new payload replaces the VM (cloud-init runs on first
  # boot only) unless cloudinit_update = "in_place".
  guestinfo = ceso_cloudinit.web.guestinfo

  power_state = "on"
  wait_for_ip = "5m"

  timeouts {
    create = "30m"
  }
}

variable "ssh_public_key" {
  type        = string
  description = "The admin's SSH public key, e.g. file(\"~/.ssh/id_ed25519.pub\")."
}

output "web_ip" {
  value = ceso_vm.web.default_ip
}
