# A VM can be imported by its instance UUID, its inventory path or its name
# (the name must be unique; use the path otherwise).
terraform import ceso_vm.web 4217a2c4-5d3e-8f61-0b9a-1c2d3e4f5a6b
terraform import ceso_vm.web /ha-datacenter/vm/web-01
terraform import ceso_vm.web web-01
