// Package backup is the domain logic of the ceso_backup resource and the
// ceso_backups data source, and the restore side of ceso_vm's backup
// attribute: hot backups of a VM's disks through the vSphere API alone,
// with plain Go values in and out and no Terraform types.
//
// One backup, like ghettoVCB but without a shell on the host:
//
//  1. refuse early, before anything changes: a free-licence host, disks in an
//     independent mode or raw device mappings (a snapshot cannot cover
//     them; Spec.SkipIndependentDisks leaves them out instead, and
//     Spec.ExcludeDisks leaves out the disks it names, both recorded in
//     Manifest.Skipped), snapshots the VM already has (unless
//     Spec.AllowExistingSnapshots), a destination datastore without room
//     for the copies;
//  2. remove what an interrupted backup of the same VM left: a snapshot named
//     ceso-backup-<id>, and folders under <destination>/<vm name>/ that hold
//     no manifest;
//  3. copy the .vmx and .nvram (FileManager) into
//     <destination>/<vm name>/<backup id>/, take a snapshot without memory
//     (quiesced through VMware Tools when asked for and the guest runs them),
//     copy each base disk, now read-only, with VirtualDiskManager in the
//     chosen format, and remove the snapshot;
//  4. optionally verify the copies (every file re-read from the datastore:
//     disk capacities from the copied descriptors, sizes of the copied
//     configuration files against the source's, SHA-256 of every small file);
//  5. write manifest.json last, through the datastore's /folder HTTP
//     interface, with status "complete";
//  6. prune: remove the complete backups of this VM under the destination
//     that the retention policy (Spec.Keep and Spec.Retention, see
//     Retention) expires, and failed ones. Pruning only ever follows a
//     complete backup, and what it removes was chosen, and confirmed
//     through Spec.ConfirmPrune, before the first write.
//
// Whatever fails after the first change, the snapshot is removed and the
// partial folder is replaced by one holding only a manifest with status
// "failed" and the error. If even that cleanup fails (or the process dies),
// the folder has no manifest, is listed with status "incomplete", never as
// a good backup, and the next backup of the VM removes it together with
// the leftover snapshot.
//
// The datastore is the catalog: List and Find read the manifests back from
// the datastore, so every machine with credentials sees the same backups.
// Source turns a complete backup into the description of a VM to create
// (hardware from the manifest, disks backed by the backup's copies), which
// the vm package creates like a template copy; the disks a backup left out
// come back empty with their recorded size. RestoreInPlace restores a
// backup over an existing VM instead (the ceso_restore resource): copies
// first, one reconfigure to switch the VM to them, the old files deleted
// last.
//
// Every host call runs on a pooled session; task waits use esxi.WaitTask;
// every write invalidates the shared inventory read. Policy, audit and
// metrics are applied by the caller (the provider's guard) around each
// Manager call.
package backup
