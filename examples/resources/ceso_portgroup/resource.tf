resource "ceso_vswitch" "lan" {
  name    = "vSwitch1"
  uplinks = ["vmnic1"]
}

# VLAN 42 on vSwitch1, with outbound traffic shaped to 100 Mbit/s.
resource "ceso_portgroup" "web" {
  name    = "web-vlan42"
  vswitch = ceso_vswitch.lan.name
  vlan_id = 42

  traffic_shaping = {
    enabled           = true
    average_bandwidth = 100000000 # bits per second
    peak_bandwidth    = 200000000
    burst_size        = 104857600 # bytes
  }
}

# Refer to the port group by reference, so Terraform creates it before the
# VM and removes the VM before it.
resource "ceso_vm" "web" {
  name     = "web-01"
  template = "ubuntu-24.04"
  network_interface {
    network = ceso_portgroup.web.name
  }
}
