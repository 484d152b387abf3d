# A data disk made on its own (ceso_virtual_disk) and attached to a VM by
# its path. The VM never deletes it: deleting the VM, or removing the
# block, detaches it, and another VM can attach it next.
resource "ceso_virtual_disk" "data" {
  path     = "[datastore1] shared/db-data.vmdk"
  size_gib = 200
}

resource "ceso_vm" "db" {
  name      = "db-01"
  template  = "ubuntu-24.04-template"
  cpus      = 4
  memory_mb = 8192

  disk {
    unit_number = 0 # the template's system disk
  }
  disk {
    attach = true # size and provisioning are the disk's own
    path   = ceso_virtual_disk.data.path
  }

  network_interface {
    network = "VM Network"
  }
}
