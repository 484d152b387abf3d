package backup

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// FuzzDecodeManifest feeds arbitrary bytes to the manifest parser. A
// manifest is read from a datastore, where anyone with write access to it
// can put one, so the parser never panics, accepts only the formats and
// statuses this version understands with a well-formed backup id, and
// what it accepts reads back the same when written out again.
func FuzzDecodeManifest(f *testing.F) {
	for _, seed := range []string{
		`{"format":1,"id":"20261125T221500Z-3f9a","status":"complete","started":"2026-11-25T22:15:00Z","finished":"2026-11-25T22:16:00Z",
"ceso_version":"dev","destination":"[LocalDS_0] backups","dir":"[LocalDS_0] backups/web-01/20261125T221500Z-3f9a",
"options":{"quiesce":false,"disk_format":"thin","verify":true,"keep":3,"triggers":{"k":"v"}},
"source":{"product":"ESXi","version":"8.0.3","build":"1","host":"esxi01","datacenter":"ha-datacenter"},
"vm":{"name":"web-01","uuid":"502e7f6a-1c2d-4e5f-8a9b-0c1d2e3f4a5b","cpus":2,"memory_mb":2048,"controllers":[{"family":"scsi","bus":0,"model":"pvscsi"}],"nics":[{"adapter_type":"vmxnet3","network":"VM Network"}]},
"disks":[{"label":"Hard disk 1","controller":"scsi","bus":0,"unit":0,"capacity_bytes":1073741824,"provisioning":"thin","disk_mode":"persistent","source":"[LocalDS_0] web-01/web-01.vmdk","file":"web-01.vmdk","format":"thin","size_bytes":4096}],
"files":[{"name":"web-01.vmdk","kind":"disk","size":512,"sha256":"00"}],"size_bytes":4096,"quiesced":false,"verified":true}`,
		`{"format":1,"id":"20261125T221500Z-3f9a","status":"failed","error":"NoDiskSpace"}`,
		`{"format":2,"id":"20261125T221500Z-3f9a","status":"complete"}`,
		`{"format":0,"id":"20261125T221500Z-3f9a","status":"complete"}`,
		`{"format":1,"id":"../../etc","status":"complete"}`,
		`{"format":1,"id":"20261125T221500Z-3f9a","status":"incomplete"}`,
		`{"format":1,"id":"20261125T221500Z-3f9a","status":"complete","started":"not a time"}`,
		`{"format":1,"id":"20261125T221500Z-3f9a","status":"complete","disks":[{"file":"../../other-vm/other.vmdk"}]}`,
		`{"format":1.5}`,
		`null`,
		``,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := decodeManifest(data)
		if err != nil {
			if m != nil {
				t.Fatalf("decodeManifest returned a manifest with its error %v", err)
			}
			return
		}
		if m.Format < 1 || m.Format > FormatVersion {
			t.Fatalf("accepted format %d", m.Format)
		}
		if !ValidID(m.ID) {
			t.Fatalf("accepted backup id %q", m.ID)
		}
		// (ValidID checks the id's form, not its calendar: an id such as
		// 00000000T000000Z-0000 is accepted and has no time; IDTime says so.)
		if m.Status != StatusComplete && m.Status != StatusFailed {
			t.Fatalf("accepted status %q", m.Status)
		}
		for _, d := range m.Disks {
			if strings.Contains(d.File, "..") || strings.ContainsAny(d.File, "/[") {
				t.Fatalf("accepted a disk file outside the backup folder: %q", d.File)
			}
		}
		for _, f := range m.Files {
			if strings.Contains(f.Name, "..") || strings.ContainsAny(f.Name, "/[") {
				t.Fatalf("accepted a file outside the backup folder: %q", f.Name)
			}
		}
		if m.Good() != (m.Status == StatusComplete) {
			t.Fatalf("Good() = %v for status %q", m.Good(), m.Status)
		}
		b, err := m.encode()
		if err != nil {
			t.Fatalf("an accepted manifest does not encode: %v", err)
		}
		again, err := decodeManifest(b)
		if err != nil {
			t.Fatalf("an accepted manifest, written out, does not read back: %v\n%s", err, b)
		}
		if diff := cmp.Diff(m, again, cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("manifest read back differently (-first +again):\n%s", diff)
		}
	})
}
