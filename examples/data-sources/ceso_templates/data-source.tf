# Templates a ceso_vm can start from: vCenter templates, and VMs marked
# with ceso.template = true on a standalone host.
data "ceso_templates" "ubuntu" {
  name_regex = "^ubuntu-"
}

output "ubuntu_templates" {
  value = [for t in data.ceso_templates.ubuntu.templates : t.path]
}
