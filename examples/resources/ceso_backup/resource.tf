resource "ceso_vm" "web" {
  name     = "web-01"
  template = "ubuntu-24.04"
}

# A hot backup of the running VM: snapshot, copy of its disks and .vmx/.nvram
# into [backup01] ceso/web-01/<id>/, manifest.json written last, snapshot
# removed. A new value in triggers makes a new backup; after each good
# backup, retention removes what no rule keeps: here the newest backup of
# each of the last 7 days, 4 ISO weeks and 6 months (UTC) that have one.
# (keep = N, the older form, is retention's keep_last.)
resource "ceso_backup" "web" {
  vm          = ceso_vm.web.id
  destination = "[backup01] ceso"
  quiesce     = true   # through VMware Tools, when the guest runs them
  disk_format = "thin" # the default

  retention {
    keep_daily   = 7
    keep_weekly  = 4
    keep_monthly = 6
  }

  # Destroying or replacing the resource keeps the backup: retention
  # alone removes old backups.
  retain_on_destroy = true

  triggers = {
    day = formatdate("YYYY-MM-DD", plantimestamp())
  }
}

# Once a month, a backup that is also restored as a temporary VM with its
# network unplugged, booted until VMware Tools report a heartbeat, then
# deleted: a restore drill. A drill that fails fails the apply.
resource "ceso_backup" "web_drilled" {
  vm            = ceso_vm.web.id
  destination   = "[backup01] ceso-drilled"
  verify        = "boot"
  drill_timeout = "10m"

  triggers = {
    month = formatdate("YYYY-MM", plantimestamp())
  }
}

# Restore: a new VM made from one backup's disks and hardware, with a new
# identity (UUIDs, MAC addresses) and, here, another network. It names a
# fixed backup id, chosen when a restore is needed: following
# ceso_backup.web.id would replace the restored VM with every new backup,
# that is every day.
variable "restore_backup_id" {
  description = "Id of the backup to restore into web-01-restored (see the ceso_backups data source); empty for no restored VM."
  type        = string
  default     = ""
}

resource "ceso_vm" "web_restored" {
  count       = var.restore_backup_id == "" ? 0 : 1
  name        = "web-01-restored"
  backup      = var.restore_backup_id
  power_state = "off"

  network_interface {
    network = "Isolated"
  }
}

output "backup" {
  value = {
    id       = ceso_backup.web.id
    time     = ceso_backup.web.time
    size     = ceso_backup.web.size_bytes
    manifest = ceso_backup.web.manifest_path
    drill    = ceso_backup.web_drilled.drill_result
  }
}
