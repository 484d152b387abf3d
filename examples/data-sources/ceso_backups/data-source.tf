# The catalog, read from the manifests on the datastore: any machine with
# credentials (a laptop, a CI runner) sees the same backups.
data "ceso_backups" "web" {
  destination = "[backup01] ceso"
  vm_name     = "web-01"
  status      = "complete" # failed and incomplete (interrupted) backups are listed otherwise
  newer_than  = "168h"     # the last week; an RFC 3339 time works too
}

# Restore the newest complete backup into a new VM. The newest backup
# changes with every nightly run; ignore_changes keeps the restored VM
# instead of replacing it with each new backup.
resource "ceso_vm" "web_restored" {
  name        = "web-01-restored"
  backup      = data.ceso_backups.web.backups[0].manifest_path
  power_state = "off"

  lifecycle {
    ignore_changes = [backup]
  }
}

output "backups" {
  value = [for b in data.ceso_backups.web.backups : "${b.time} ${b.id} ${b.size_bytes} bytes"]
}
