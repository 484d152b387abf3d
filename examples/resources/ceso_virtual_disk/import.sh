# A disk is imported by the datastore path of its descriptor.
terraform import ceso_virtual_disk.data '[datastore1] shared/pg-data.vmdk'
