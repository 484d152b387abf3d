resource "ceso_vm" "db" {
  name     = "db-01"
  template = "ubuntu-24.04"
}

# Back up the database VM; its scratch disk is independent (a snapshot does
# not cover it) and left out, and so is its cache disk on unit 2.
resource "ceso_backup" "db" {
  vm                     = ceso_vm.db.id
  destination            = "[backup01] ceso"
  skip_independent_disks = true
  exclude_disks          = ["scsi:0:2"]
}

# Restore a chosen backup over db-01, in place: its disks are replaced by
# copies of the backup's (disks the backup left out come back empty), its
# CPU and memory by the backed-up ones; its UUIDs and MAC addresses stay.
# A destructive action (restore_over): standard mode needs an elevation.
# Destroying this resource only forgets it; the VM stays as it is.
variable "restore_backup_id" {
  description = "Id of the backup to restore over db-01; empty for no restore."
  type        = string
  default     = ""
}

resource "ceso_restore" "db" {
  count     = var.restore_backup_id == "" ? 0 : 1
  vm        = ceso_vm.db.id
  backup    = var.restore_backup_id
  power_off = true # power the running VM off (hard) for the restore, on again after

  # A new value restores again.
  triggers = {
    ticket = "INC-1234"
  }
}
