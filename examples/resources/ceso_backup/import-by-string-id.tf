# The id is the backup id, or the datastore path of its folder or manifest.
import {
  to = ceso_backup.web
  id = "[backup01] ceso/web-01/20261125T221500Z-3f9a/manifest.json"
}
