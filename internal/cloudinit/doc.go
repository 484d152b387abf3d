// Package cloudinit renders and validates cloud-init payloads for the VMware
// guestinfo datasource.
//
// A [Spec] holds plain Go values (no Terraform types). [Render] validates it,
// collecting every problem into a [*ValidationError] whose [Problem] entries
// carry an attribute [Path], and renders three documents:
//
//   - user-data: a "#cloud-config" YAML document (or a raw document passed
//     through unchanged, see "Raw data" below);
//   - meta-data: YAML with instance-id, local-hostname and, when a network is
//     given, the netplan v2 network configuration under the "network" key,
//     which is where cloud-init's VMware datasource reads it (it ignores
//     network configuration in vendor-data and user-data);
//   - vendor-data: only when raw vendor data is given.
//
// Only Ubuntu hands the network configuration to netplan as it is; on the
// other guests cloud-init converts it with its own code for ifupdown (eni),
// systemd-networkd, sysconfig or NetworkManager, and that code reads less
// of netplan v2. So the IPv4 default gateway is a route to 0.0.0.0/0 (not
// "to: default", which it refuses) and the IPv6 one the gateway6 key (it
// turns a route to ::/0 into ::/64). The tests check every rendered
// network with each renderer of the real cloud-init.
//
// Every YAML document is produced by go.yaml.in/yaml/v3 from nodes, never by
// string concatenation, so no user value can add keys. Strings that are not
// plainly safe are double-quoted, so YAML 1.1 readers (cloud-init uses
// PyYAML) never turn "yes", "on", "0644" or "00:50:56:01:02:03" into booleans
// or numbers.
//
// # Guestinfo
//
// [Payload.GuestInfo] maps guestinfo.userdata, guestinfo.metadata and (when
// vendor data exists) guestinfo.vendordata to their gzip+base64 encodings,
// each with its ".encoding" key. The gzip stream has a fixed header (no name,
// no modification time, OS "unknown"), so the same input always gives the
// same map. Each encoded value must fit in [MaxGuestInfoValueBytes]. [Decode]
// reverses the encoding.
//
// # Instance ID
//
// When [Spec.InstanceID] is empty, the instance-id is "ceso-" followed by the
// first 16 hex digits of the SHA-256 of the rendered user-data, vendor-data
// and meta-data (without the instance-id itself). Any change of content
// therefore yields a new instance-id, and cloud-init treats the next boot as
// a new instance and runs its per-instance modules again. Set InstanceID to
// keep it fixed.
//
// # Raw data
//
// [Spec.UserDataRaw] and [Spec.VendorDataRaw] take documents users bring
// themselves:
//
//   - "#cloud-config" YAML is parsed. Every top-level key must be a known
//     cloud-config key (see [KnownCloudConfigKeys]); "network" is refused
//     with a pointer to the network attribute. Raw user-data is merged with
//     the typed fields only when no top-level key is set by both: a key set
//     twice is an error naming the key. Typed keys come first, raw keys
//     follow in their order; comments are dropped.
//   - Any other format cloud-init accepts (MIME multipart, "#!" scripts,
//     "#include", "#cloud-boothook", "## template: jinja", ...) cannot be
//     merged. It is passed through unchanged, and is an error when a typed
//     field that renders into user-data is also set.
//   - Anything else is an error.
//
// Vendor data is never merged: cloud-init itself lets user-data override it.
package cloudinit
