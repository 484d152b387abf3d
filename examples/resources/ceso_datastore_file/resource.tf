variable "netinst_sha256" {
  description = "SHA-256 of the ISO, from the SHA256SUMS file next to it."
  type        = string
}

# An installer ISO, streamed from a URL to the datastore and checked on the
# way; the VM boots from it.
resource "ceso_datastore_file" "installer" {
  path          = "[datastore1] isos/debian-12-netinst.iso"
  source        = "https://cdimage.debian.org/cdimage/archive/12.8.0/amd64/iso-cd/debian-12.8.0-amd64-netinst.iso"
  source_sha256 = var.netinst_sha256
}

resource "ceso_vm" "installer" {
  name      = "debian-install"
  guest_id  = "debian12_64Guest"
  cdrom     = ceso_datastore_file.installer.path
  cpus      = 2
  memory_mb = 2048
}

# A local file: a cloud-init seed image built next to the configuration.
resource "ceso_datastore_file" "seed" {
  path   = "[datastore1] seeds/web-01.iso"
  source = "${path.module}/seed.iso"
}
