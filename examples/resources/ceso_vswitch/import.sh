# A vSwitch is imported as <host>/<name>, or by its name on a single host.
terraform import ceso_vswitch.storage esx01.example.com/vSwitch1
terraform import ceso_vswitch.storage vSwitch1
