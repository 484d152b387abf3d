data "ceso_host" "this" {}

output "esxi_version" {
  value = "${data.ceso_host.this.product} ${data.ceso_host.this.version} (build ${data.ceso_host.this.build})"
}
