data "ceso_network" "lan" {
  name = "VM Network"
}
