# The id is <host>/<name>, or the name on a single host.
import {
  to = ceso_vswitch.storage
  id = "esx01.example.com/vSwitch1"
}
