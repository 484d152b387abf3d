# The id is the VM's instance UUID, its inventory path or its (unique) name.
import {
  to = ceso_vm.web
  id = "/ha-datacenter/vm/web-01"
}
