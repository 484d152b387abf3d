# The id is <host>/<name>, or the name on a single host.
import {
  to = ceso_portgroup.web
  id = "esx01.example.com/web-vlan42"
}
