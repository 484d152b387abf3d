data "ceso_networks" "all" {}

output "port_groups" {
  value = [for n in data.ceso_networks.all.networks : n.name]
}
