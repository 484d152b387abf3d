# A second standard vSwitch with two uplinks and jumbo frames.
resource "ceso_vswitch" "storage" {
  name    = "vSwitch1"
  uplinks = ["vmnic1", "vmnic2"]
  mtu     = 9000

  # On vCenter, name the host whose networking this is:
  # host = "esx01.example.com"
}
