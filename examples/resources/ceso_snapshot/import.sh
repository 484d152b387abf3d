# A snapshot is imported as <VM>/<snapshot>: the VM by instance UUID,
# inventory path or name, the snapshot by its id in the VM's tree (the
# ceso_vm data source lists them) or by its name when that is unique.
terraform import ceso_snapshot.before_upgrade 4210c1b2-8f3e-4c53-9d6e-0a1b2c3d4e5f/3
terraform import ceso_snapshot.before_upgrade db-01/before-postgres-17
