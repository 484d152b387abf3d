# A data disk that outlives the VMs using it. Grow size_gib to extend it in
# place; shrinking is refused at plan, and so is deleting it while a VM has
# it attached.
resource "ceso_virtual_disk" "data" {
  path         = "[datastore1] shared/pg-data.vmdk"
  size_gib     = 100
  provisioning = "thin"
}
