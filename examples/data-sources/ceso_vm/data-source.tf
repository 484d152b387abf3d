# Exactly one of name, uuid or path.
data "ceso_vm" "db" {
  path = "/ha-datacenter/vm/db01"
}
