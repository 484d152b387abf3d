data "ceso_datastore" "vms" {
  name = "datastore1"
}
