data "ceso_datastores" "ssd" {
  name_regex = "^ssd-"
}

output "free_gib" {
  value = { for ds in data.ceso_datastores.ssd.datastores : ds.name => floor(ds.free_bytes / 1073741824) }
}
