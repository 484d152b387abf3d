# A web server on a static address, with one admin user.
resource "ceso_cloudinit" "web" {
  hostname = "web-01"
  fqdn     = "web-01.example.com"
  timezone = "Europe/Paris"

  users = [{
    name                = "alice"
    groups              = ["sudo"]
    sudo                = "ALL=(ALL) NOPASSWD:ALL"
    ssh_authorized_keys = [trimspace(file("~/.ssh/id_ed25519.pub"))]
    # A crypt(3) hash, never a clear-text password: mkpasswd -m sha-512
    hashed_password = var.alice_password_hash
  }]

  package_update = true
  packages       = ["nginx"]

  write_files = [{
    path        = "/var/www/html/index.html"
    content     = "<h1>web-01</h1>\n"
    permissions = "0644"
  }]

  runcmd = ["systemctl enable --now nginx"]

  network = {
    interfaces = [{
      name           = "ens192"
      mac_address    = "00:50:56:01:02:03"
      addresses      = ["192.0.2.10/24"]
      gateway4       = "192.0.2.1"
      nameservers    = ["192.0.2.53"]
      search_domains = ["example.com"]
    }]
  }

  # Your own #cloud-config is merged when it sets no key set above.
  user_data_raw = <<-EOT
    #cloud-config
    ntp:
      enabled: true
      servers: [ntp.example.com]
  EOT
}

variable "alice_password_hash" {
  type      = string
  sensitive = true
}

# guestinfo holds guestinfo.userdata, guestinfo.metadata and their
# .encoding keys, ready for the extra config of a ceso_vm.
output "guestinfo_keys" {
  value = nonsensitive(keys(ceso_cloudinit.web.guestinfo))
}

output "instance_id" {
  value = ceso_cloudinit.web.instance_id
}
