# A VM with a GPU passed through (DirectPath I/O) and a virtual TPM.
# The plan checks that the host has the devices and has them enabled for
# passthrough (Configure > Hardware > PCI Devices on the host), and shows
# that all of the VM's memory is reserved, as the host requires to power it on.
resource "ceso_vm" "gpu" {
  name      = "ml-worker-01"
  template  = "ubuntu-24.04-template"
  firmware  = "efi"
  cpus      = 8
  memory_mb = 65536

  pci_devices = [
    # One device of the host, by its PCI address: the VM stays on that host.
    { host_id = "0000:3b:00.0" },
    # Any free device of a model (dynamic DirectPath I/O): NVIDIA Tesla T4.
    { vendor_id = "0x10de", device_id = "0x1eb8" },
  ]

  # vCenter only, with a default key provider (Native Key Provider or KMS).
  vtpm = true

  # Passthrough devices cannot be hot-plugged: adding or removing one on a
  # running VM needs a power cycle, which this allows.
  allow_power_cycle = true

  network_interface {
    network = "VM Network"
  }
}
