resource "ceso_vm" "db" {
  name        = "db-01"
  template    = "ubuntu-24.04"
  power_state = "on"
}

# A restore point before an upgrade. Renaming it or changing its
# description happens in place; destroying it removes the snapshot and
# consolidates the VM's disks.
resource "ceso_snapshot" "before_upgrade" {
  vm          = ceso_vm.db.id
  name        = "before-postgres-17"
  description = "taken by Terraform before the major upgrade"
  memory      = true # a revert returns the VM running where it was

  # Set a new value to return the VM to this snapshot: the plan warns
  # "VM db-01 Will Be Reverted To Snapshot ...", and standard mode needs
  # an elevation for it.
  # revert_on_change = "2026-11-30 upgrade failed"
}
