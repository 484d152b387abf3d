package backup

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// Backup statuses, as written in manifests and shown by the catalog.
const (
	// StatusComplete: every copy succeeded (and was verified when asked);
	// the only status a restore accepts.
	StatusComplete = "complete"
	// StatusFailed: the backup failed; its copies were removed and the
	// manifest records the error.
	StatusFailed = "failed"
	// StatusIncomplete: a backup folder without a manifest, left by a
	// backup that is still running or that was interrupted. Never written
	// into a manifest; the next backup of the VM removes such a folder.
	StatusIncomplete = "incomplete"
)

// ManifestName is the manifest's file name in a backup folder.
const ManifestName = "manifest.json"

// FormatVersion is the version of the manifest layout this package writes.
const FormatVersion = 1

// SnapshotPrefix starts the name of every snapshot a backup takes; the
// backup id follows.
const SnapshotPrefix = "ceso-backup-"

// Manifest describes one backup. It is written last into the backup's
// folder, so a folder with a complete manifest holds a complete backup.
type Manifest struct {
	Format      int       `json:"format"`
	ID          string    `json:"id"`
	Status      string    `json:"status"`
	Error       string    `json:"error,omitempty"`
	Started     time.Time `json:"started"`
	Finished    time.Time `json:"finished"`
	CesoVersion string    `json:"ceso_version"`

	// Destination is where the backup was asked to go ("[ds] folder"),
	// Dir the backup's own folder ("[ds] folder/<vm name>/<id>").
	Destination string `json:"destination"`
	Dir         string `json:"dir"`

	Options Options `json:"options"`
	Source  Origin  `json:"source"`
	VM      VMInfo  `json:"vm"`
	Disks   []Disk  `json:"disks"`
	// Files are every file of the backup but the manifest, relative to Dir.
	Files []File `json:"files"`
	// SizeBytes is the sum of the files' sizes.
	SizeBytes int64 `json:"size_bytes"`
	// Quiesced says whether the snapshot was quiesced through VMware Tools.
	Quiesced bool `json:"quiesced"`
	// Verified says whether the copies were re-read and checked.
	Verified bool `json:"verified"`

	// Skipped are the VM's disks the backup left out (exclude_disks,
	// skip_independent_disks): no copy of them is in the folder, and a
	// restore makes them again, empty. Absent in older manifests.
	Skipped []SkippedDisk `json:"skipped_disks,omitempty"`
	// Drill is the result of the last restore drill of the backup (verify =
	// "boot"); nil when none ran. See drill.go.
	Drill *Drill `json:"drill,omitempty"`
}

// Options are the settings the backup was made with, kept so an import
// recovers the configuration.
type Options struct {
	Quiesce                bool              `json:"quiesce"`
	DiskFormat             string            `json:"disk_format"`
	Verify                 bool              `json:"verify"`
	Keep                   int               `json:"keep"` // keep_last
	KeepDaily              int               `json:"keep_daily,omitempty"`
	KeepWeekly             int               `json:"keep_weekly,omitempty"`
	KeepMonthly            int               `json:"keep_monthly,omitempty"`
	AllowExistingSnapshots bool              `json:"allow_existing_snapshots,omitempty"`
	Triggers               map[string]string `json:"triggers,omitempty"`
	ExcludeDisks           []string          `json:"exclude_disks,omitempty"`
	SkipIndependentDisks   bool              `json:"skip_independent_disks,omitempty"`
}

// Origin is the endpoint and host the VM ran on.
type Origin struct {
	Product    string `json:"product"` // ESXi or vCenter Server
	Version    string `json:"version"`
	Build      string `json:"build"`
	Host       string `json:"host"`
	Datacenter string `json:"datacenter"`
}

// VMInfo is the VM's identity and hardware at the time of the backup: a
// restore rebuilds the VM from it, not from the copied .vmx.
type VMInfo struct {
	Name            string       `json:"name"`
	UUID            string       `json:"uuid"`
	BIOSUUID        string       `json:"bios_uuid"`
	MOID            string       `json:"moid"`
	Path            string       `json:"path"`
	VMXPath         string       `json:"vmx_path"`
	PowerState      string       `json:"power_state"`
	GuestID         string       `json:"guest_id"`
	GuestFullName   string       `json:"guest_full_name,omitempty"`
	Firmware        string       `json:"firmware"`
	HardwareVersion string       `json:"hardware_version"`
	CPUs            int32        `json:"cpus"`
	CoresPerSocket  int32        `json:"cores_per_socket"`
	MemoryMB        int32        `json:"memory_mb"`
	CPUHotAdd       bool         `json:"cpu_hot_add"`
	MemoryHotAdd    bool         `json:"memory_hot_add"`
	Annotation      string       `json:"annotation,omitempty"`
	Controllers     []Controller `json:"controllers"`
	NICs            []NIC        `json:"nics"`
}

// Controller is one disk controller.
type Controller struct {
	Family string `json:"family"` // scsi, sata, nvme, ide
	Bus    int32  `json:"bus"`
	Model  string `json:"model,omitempty"` // SCSI: pvscsi, lsilogic, lsilogic-sas, buslogic
}

// NIC is one network adapter.
type NIC struct {
	AdapterType string `json:"adapter_type"`
	Network     string `json:"network"`
	MAC         string `json:"mac,omitempty"`
}

// Disk is one backed-up virtual disk.
type Disk struct {
	Label         string `json:"label"`
	Controller    string `json:"controller"` // family
	Bus           int32  `json:"bus"`
	Unit          int32  `json:"unit"`
	CapacityBytes int64  `json:"capacity_bytes"`
	// Provisioning is the source disk's (thin, thick, eager_zeroed); a
	// restore makes the disk so again.
	Provisioning string `json:"provisioning"`
	DiskMode     string `json:"disk_mode"`
	// Source is the disk file that was copied ("[ds] vm/vm.vmdk").
	Source string `json:"source"`
	// File is the copy's descriptor, relative to the backup folder; Format
	// the copy's provisioning (the backup's disk_format).
	File   string `json:"file"`
	Format string `json:"format"`
	// SizeBytes is the space the copy's files take.
	SizeBytes int64 `json:"size_bytes"`
}

// File is one file of the backup.
type File struct {
	Name string `json:"name"` // relative to the backup folder
	Kind string `json:"kind"` // disk, disk-extent, config, nvram, other
	Size int64  `json:"size"`
	// SHA256 is the checksum of a small file (configuration files and disk
	// descriptors) when the backup was verified.
	SHA256 string `json:"sha256,omitempty"`
}

// Good reports whether the manifest describes a complete backup.
func (m *Manifest) Good() bool { return m != nil && m.Status == StatusComplete }

// ManifestPath is the datastore path of the manifest ("[ds] .../manifest.json").
func (m *Manifest) ManifestPath() string { return m.Dir + "/" + ManifestName }

// Paths returns the datastore paths of the backup's files.
func (m *Manifest) Paths() []string {
	out := make([]string, 0, len(m.Files))
	for _, f := range m.Files {
		out = append(out, m.Dir+"/"+f.Name)
	}
	return out
}

// encode renders the manifest as indented JSON.
func (m *Manifest) encode() ([]byte, error) {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// decodeManifest parses a manifest and checks what every reader relies on.
func decodeManifest(b []byte) (*Manifest, error) {
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("not a ceso backup manifest: %w", err)
	}
	switch {
	case m.Format < 1:
		return nil, fmt.Errorf("not a ceso backup manifest: no format version")
	case m.Format > FormatVersion:
		return nil, fmt.Errorf("manifest format %d is newer than this ceso understands (%d); upgrade the provider", m.Format, FormatVersion)
	case !ValidID(m.ID):
		return nil, fmt.Errorf("manifest has an invalid backup id %q", m.ID)
	case m.Status != StatusComplete && m.Status != StatusFailed:
		return nil, fmt.Errorf("manifest has an unknown status %q", m.Status)
	}
	// A manifest is read from a datastore anyone with write access there can
	// edit: its file names must stay inside the backup's own folder, or a
	// restore could be made to copy another VM's disk.
	for i, d := range m.Disks {
		if !plainFileName(d.File) {
			return nil, fmt.Errorf("manifest disk %d names the file %q, which is not a plain file name in the backup folder", i, d.File)
		}
	}
	for i, f := range m.Files {
		if !plainFileName(f.Name) {
			return nil, fmt.Errorf("manifest file %d is named %q, which is not a plain file name in the backup folder", i, f.Name)
		}
	}
	return &m, nil
}

// plainFileName accepts a file name without a folder, a datastore or a
// parent reference.
func plainFileName(name string) bool {
	return name != "" && name != "." && name != ".." && !strings.ContainsAny(name, "/\\[]\x00") && !strings.Contains(name, "..")
}

var idPattern = regexp.MustCompile(`^[0-9]{8}T[0-9]{6}Z-[0-9a-f]{4}$`)

// idLayout is the time part of a backup id.
const idLayout = "20060102T150405Z"

// NewID returns a backup id for t: its UTC time to the second and four
// random hex digits, e.g. 20261125T221500Z-3f9a. Ids sort by time.
func NewID(t time.Time) string {
	var b [2]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms.
	return t.UTC().Format(idLayout) + "-" + hex.EncodeToString(b[:])
}

// ValidID reports whether s has the form of a backup id.
func ValidID(s string) bool { return idPattern.MatchString(s) }

// IDTime returns the time a backup id was made at.
func IDTime(id string) (time.Time, bool) {
	if !ValidID(id) {
		return time.Time{}, false
	}
	t, err := time.Parse(idLayout, id[:len(idLayout)])
	return t, err == nil
}
