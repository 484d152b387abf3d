# The same render as the ceso_cloudinit resource, as a data source:
# DHCP on the NIC with this MAC address.
data "ceso_cloudinit" "worker" {
  hostname            = "worker-01"
  ssh_authorized_keys = [trimspace(file("~/.ssh/id_ed25519.pub"))]

  network = {
    interfaces = [{
      mac_address = "00:50:56:01:02:04"
      dhcp4       = true
    }]
  }
}

output "meta_data" {
  value = data.ceso_cloudinit.worker.meta_data
}
