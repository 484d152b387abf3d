# The id is <VM>/<snapshot>: VM by instance UUID, path or name; snapshot by id or unique name.
import {
  to = ceso_snapshot.before_upgrade
  id = "db-01/before-postgres-17"
}
