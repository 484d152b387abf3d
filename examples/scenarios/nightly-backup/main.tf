# Nightly backups with retention.
#
# Run `terraform apply` (or `tofu apply`) once a night from CI, e.g. a
# scheduled pipeline at 02:00:
#
#   CESO_HOST=esx01.example.com CESO_USERNAME=backup CESO_PASSWORD=... \
#     terraform apply -auto-approve
#
# Each run whose date differs from the last backup's makes one new backup of
# every VM below (triggers change once a day); a run later the same day plans
# nothing. The previous night's backup is retained (retain_on_destroy), and
# keep = 14 removes the backups beyond the fourteen newest of each VM after
# a backup succeeded, never before. A failed night leaves a failed manifest
# (listed by ceso_backups with status "failed") and no snapshot; the next
# good backup removes it.

terraform {
  required_providers {
    ceso = {
      source = "esxi-commander/ceso"
    }
  }
}

# Standard mode makes backups; retention deletes old ones itself. Deleting a
# backup through Terraform (retain_on_destroy = false) would be destructive
# and need an elevation grant.
provider "ceso" {
  mode       = "standard"
  audit_file = "ceso-audit.jsonl"
}

variable "vms" {
  description = "Names of the VMs to back up every night."
  type        = set(string)
  default     = ["web-01", "db-01"]
}

variable "destination" {
  description = "Datastore folder for the backups."
  type        = string
  default     = "[backup01] nightly"
}

data "ceso_vm" "target" {
  for_each = var.vms
  name     = each.key
}

resource "ceso_backup" "nightly" {
  for_each = var.vms

  vm          = data.ceso_vm.target[each.key].uuid
  destination = var.destination
  quiesce     = true
  keep        = 14

  retain_on_destroy = true

  triggers = {
    night = formatdate("YYYY-MM-DD", plantimestamp())
  }
}

# What is on the destination now, from any machine.
data "ceso_backups" "catalog" {
  destination = var.destination
  depends_on  = [ceso_backup.nightly]
}

output "tonight" {
  value = { for name, b in ceso_backup.nightly : name => "${b.id} (${b.size_bytes} bytes, quiesced: ${b.quiesced})" }
}

output "not_good" {
  description = "Backups on the destination that are not complete: failed nights, or runs interrupted right now."
  value       = [for b in data.ceso_backups.catalog.backups : "${b.vm_name} ${b.id} ${b.status} ${b.error}" if b.status != "complete"]
}
