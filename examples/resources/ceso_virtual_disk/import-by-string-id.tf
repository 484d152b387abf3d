# The id is the datastore path of the disk's descriptor.
import {
  to = ceso_virtual_disk.data
  id = "[datastore1] shared/pg-data.vmdk"
}
