# The id is an instance UUID, an inventory path or a unique name.
import {
  to = ceso_image.ubuntu
  id = "/ha-datacenter/vm/ubuntu-24.04-template"
}
