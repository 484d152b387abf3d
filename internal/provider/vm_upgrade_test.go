package provider_test

const v0Config = `
resource "ceso_vm" "old" {
  name        = "upgrade-01"
  guest_id    = "ubuntu64Guest"
  cpus        = 2
  memory_mb   = 1024
  power_state = "off"
  disk {
    size_gb = 1
  }
  disk {
    size_gb = 2
    keep_on_remove = true
  }
  disk {
    size_gb     = 3
    unit_number = 3
  }
  network_interface {
    network = "VM Network"
  }
  network_interface {
    network      = "VM Network"
    adapter_type = "e1000e"
  }
  extra_config = {
    "ceso-test.owner" = "team-a"
  }
}
`
