# A backup is imported by its id (ceso searches the datastores for its
# folder) or, faster, by the datastore path of its folder or manifest. Every
# argument is read back from the manifest.
terraform import ceso_backup.web 20261125T221500Z-3f9a
terraform import ceso_backup.web '[backup01] ceso/web-01/20261125T221500Z-3f9a/manifest.json'
