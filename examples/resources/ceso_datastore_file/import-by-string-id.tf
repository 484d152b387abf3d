# The id is the datastore path.
import {
  to = ceso_datastore_file.installer
  id = "[datastore1] isos/debian-12-netinst.iso"
}
