// Package image deploys OVA and OVF packages onto an ESXi host or vCenter
// as VMs or templates, for the ceso_image resource. It holds no Terraform
// types: plain Go values in and out, tested directly against the simulator.
//
// The package is read as a stream from a local path or an http(s) URL
// (internal/source): an OVA is walked once, front to back, as a tar; the
// descriptor (its first entry) is kept in memory, each disk entry goes
// straight into the NFC lease's upload, and every byte of the OVA passes a
// SHA-256 on the way, so source_sha256 is checked without a temporary file
// and without reading the source twice. govmomi parses the descriptor
// (ovf, ovf/importer), the host builds the import spec (OvfManager), and
// the disks go through an NFC lease (nfc).
package image
