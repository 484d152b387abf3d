# A file is imported by its datastore path. The first plan after an import
# records source from the configuration without uploading again.
terraform import ceso_datastore_file.installer '[datastore1] isos/debian-12-netinst.iso'
