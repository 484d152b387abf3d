# Every powered-on web VM; one batched read however many VMs the host has.
data "ceso_vms" "web" {
  name_regex  = "^web-"
  power_state = "on"
}

output "web_ips" {
  value = { for vm in data.ceso_vms.web.vms : vm.name => vm.ip_addresses }
}
