package image_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/image"
	"github.com/esxi-commander/terraform-provider-ceso/internal/image/ovatest"
	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
	"github.com/esxi-commander/terraform-provider-ceso/internal/source"
)

// TestImport deploys a cloud-image-shaped OVA on both models, as an image
// and as a template, and checks on the host what ceso says it did.
func TestImport(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		vcenter  bool
		template bool
	}{
		{"esx", false, false},
		{"esx-template", false, true},
		{"vpx", true, false},
		{"vpx-template", true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, simhost.Options{VCenter: tc.vcenter})
			if err := e.host.AddPortGroup(e.ctx, "pg-app"); err != nil {
				t.Fatal(err)
			}
			p, sum := ova(t, ovatest.CloudImage())
			img, err := e.m.Import(e.ctx, image.Spec{Name: "img1", Source: p, SourceSHA256: strings.ToUpper(sum), Template: tc.template,
				NetworkMappings: map[string]string{"VM Network": "pg-app"},
				OVFProperties:   map[string]string{"hostname": "web01", "user-data": "I2Nsb3VkLWNvbmZpZw=="}}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if img.UUID == "" || img.MOID == "" || !strings.HasSuffix(img.Path, "/img1") || img.Template != tc.template || img.SHA256 != sum {
				t.Errorf("image = %+v", img)
			}
			if len(img.Disks) != 1 || img.Disks[0].SizeBytes != 16<<20 || !strings.HasSuffix(img.Disks[0].Path, "img1/disk-0.vmdk") {
				t.Errorf("disks = %+v", img.Disks)
			}
			v := e.vm("img1")
			props := vappProperties(v)
			if props["hostname"] != "web01" || props["user-data"] != "I2Nsb3VkLWNvbmZpZw==" || props["instance-id"] != "" {
				t.Errorf("vApp properties on the host = %v", props)
			}
			if diff := cmp.Diff([]string{"pg-app"}, nicNetworks(v)); diff != "" {
				t.Errorf("NIC networks on the host (-want +got):\n%s", diff)
			}
			ec := extraConfig(v)
			if ec[image.KeyImage] != image.StateReady {
				t.Errorf("%s = %q, want ready", image.KeyImage, ec[image.KeyImage])
			}
			if until, err := time.Parse(time.RFC3339, ec[image.KeyLeaseUntil]); err != nil || until.Before(time.Now()) {
				t.Errorf("%s = %q, want the import's deadline", image.KeyLeaseUntil, ec[image.KeyLeaseUntil])
			}
			wantMarker := tc.template && !tc.vcenter
			if (ec["ceso.template"] == "true") != wantMarker || v.Config.Template != (tc.template && tc.vcenter) {
				t.Errorf("template marker %q, vCenter flag %v; want marker %v", ec["ceso.template"], v.Config.Template, wantMarker)
			}
			for _, id := range []string{img.UUID, img.Path, "img1"} {
				got, err := e.m.Lookup(e.ctx, id, "")
				if err != nil || got.UUID != img.UUID {
					t.Errorf("Lookup(%q) = %+v, %v", id, got, err)
				}
			}
			if err := e.m.Delete(e.ctx, img.UUID); err != nil {
				t.Fatal(err)
			}
			if _, err := e.m.Read(e.ctx, img.UUID); !image.IsNotFound(err) {
				t.Errorf("Read after Delete: %v, want not found", err)
			}
			if f := e.vmFiles("img1"); len(f) != 0 {
				t.Errorf("files left after Delete: %v", f)
			}
			if err := e.m.Delete(e.ctx, img.UUID); err != nil {
				t.Errorf("second Delete: %v", err)
			}
		})
	}
}

// TestImportURL streams the OVA from a local HTTP server slowly enough for
// the keep-alive to renew the lease, and reports progress up to 100%.
func TestImportURL(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simhost.Options{})
	p, sum := ova(t, ovatest.Spec{DiskCapacity: 64 << 20, Data: 1 << 20})
	url := serve(t, filepath.Dir(p), 20*time.Millisecond) + "/image.ova"
	var mu sync.Mutex
	var reports []image.Progress
	e.host.ResetMethods()
	img, err := e.m.Import(e.ctx, image.Spec{Name: "img-url", Source: url, SourceSHA256: sum}, func(p image.Progress) {
		mu.Lock()
		reports = append(reports, p)
		mu.Unlock()
	})
	if err != nil {
		t.Fatal(err)
	}
	if img.SHA256 != sum {
		t.Errorf("recorded sha256 %q, want %q", img.SHA256, sum)
	}
	if n := e.host.CountMethod("HttpNfcLeaseProgress"); n == 0 {
		t.Error("the lease was never renewed (no HttpNfcLeaseProgress)")
	}
	mu.Lock()
	defer mu.Unlock()
	if len(reports) < 2 || reports[len(reports)-1].Percent != 100 || reports[0].Percent == 100 {
		t.Errorf("progress reports = %+v, want several ending at 100%%", reports)
	}
}

// TestImportOVF deploys a descriptor with its disk beside it, over HTTP.
func TestImportOVF(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simhost.Options{})
	p, err := ovatest.WriteOVF(t.TempDir(), ovatest.Spec{Name: "plain"})
	if err != nil {
		t.Fatal(err)
	}
	url := serve(t, filepath.Dir(p), 0) + "/plain.ovf"
	img, err := e.m.Import(e.ctx, image.Spec{Name: "img-ovf", Source: url, DiskProvisioning: "thick"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(img.Disks) != 1 {
		t.Errorf("disks = %+v", img.Disks)
	}
	// With a manifest beside it, the disk is checked while it streams.
	dir := t.TempDir()
	if _, err := ovatest.WriteOVF(dir, ovatest.Spec{Name: "signed", Manifest: "SHA256"}); err != nil {
		t.Fatal(err)
	}
	if _, err := ovatest.WriteOVF(dir, ovatest.Spec{Name: "tampered", Manifest: "SHA1", BadManifest: true}); err != nil {
		t.Fatal(err)
	}
	base := serve(t, dir, 0)
	if _, err := e.m.Import(e.ctx, image.Spec{Name: "img-signed", Source: base + "/signed.ovf"}, nil); err != nil {
		t.Errorf("OVF with a good manifest: %v", err)
	}
	_, err = e.m.Import(e.ctx, image.Spec{Name: "img-tampered", Source: base + "/tampered.ovf"}, nil)
	if fe, ok := image.AsFieldError(err); !ok || fe.Summary != "Manifest Checksum Mismatch" {
		t.Errorf("OVF with a wrong manifest digest: %v", err)
	}
	if slices.Contains(e.vmNames(), "img-tampered") || len(e.vmFiles("img-tampered")) != 0 {
		t.Error("the tampered import left something on the host")
	}
}

// TestImportFailures: each bad input is refused with an error on the
// attribute to blame, and nothing is left on the host.
func TestImportFailures(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simhost.Options{})
	cloud, sum := ova(t, ovatest.CloudImage())
	plain, _ := ova(t, ovatest.Spec{})
	good := map[string]string{"VM Network": "VM Network"}
	closed := serve(t, t.TempDir(), 0) // serves an empty folder: 404
	for _, tc := range []struct {
		name    string
		spec    image.Spec
		field   string
		summary string
		hook    string // SOAP method that fails with NoDiskSpace
	}{
		{"missing file", image.Spec{Source: filepath.Join(t.TempDir(), "nope.ova")}, "source", "Source File Not Found", ""},
		{"unreachable URL", image.Spec{Source: "http://127.0.0.1:1/x.ova"}, "source", "Source URL Unreachable", ""},
		{"404", image.Spec{Source: closed + "/x.ova"}, "source", "Source URL Refused", ""},
		{"not an OVA", image.Spec{Source: "/etc/hostname"}, "source", "Unsupported Source Type", ""},
		{"checksum", image.Spec{Source: cloud, SourceSHA256: strings.Repeat("0", 64), NetworkMappings: good}, "source_sha256", "Checksum Mismatch", ""},
		{"unmapped network", image.Spec{Source: cloud}, "network_mappings", "OVF Network Not Mapped", ""},
		{"unknown network", image.Spec{Source: plain, NetworkMappings: good}, "network_mappings", "Unknown OVF Network", ""},
		{"unknown port group", image.Spec{Source: cloud, NetworkMappings: map[string]string{"VM Network": "nope"}}, "network_mappings", "Port Group Not Found", ""},
		{"unknown property", image.Spec{Source: cloud, NetworkMappings: good, OVFProperties: map[string]string{"nope": "x"}}, "ovf_properties", "Unknown OVF Property", ""},
		{"unknown datastore", image.Spec{Source: cloud, NetworkMappings: good, Datastore: "nope"}, "datastore", "Datastore Not Found", ""},
		{"name in use", image.Spec{Name: "ESX-template-absent", Source: cloud, NetworkMappings: good}, "", "", ""},
		{"datastore full mid-way", image.Spec{Source: cloud, NetworkMappings: good, SourceSHA256: sum}, "", "", "HttpNfcLeaseComplete"},
	} {
		if tc.name == "name in use" {
			continue // covered by TestImportNameInUse
		}
		t.Run(tc.name, func(t *testing.T) {
			spec := tc.spec
			spec.Name = "bad-" + strings.ReplaceAll(tc.name, " ", "-")
			e.host.ClearHooks()
			if tc.hook != "" {
				e.host.AddHook(func(_ *simulator.Context, m *simulator.Method) types.BaseMethodFault {
					if m.Name == tc.hook {
						return &types.NoDiskSpace{Datastore: "LocalDS_0"}
					}
					return nil
				})
			}
			_, err := e.m.Import(e.ctx, spec, nil)
			e.host.ClearHooks()
			if err == nil {
				t.Fatal("import succeeded")
			}
			if tc.field != "" {
				fe, ok := image.AsFieldError(err)
				if !ok || fe.Field != tc.field || fe.Summary != tc.summary {
					t.Fatalf("error = %v; want %s on %s", err, tc.summary, tc.field)
				}
			}
			if tc.field == "source_sha256" {
				var ce *source.ChecksumError
				if !errors.As(err, &ce) || ce.Got != sum {
					t.Errorf("checksum error = %v, want got %s", err, sum)
				}
			}
			for _, n := range e.vmNames() {
				if strings.HasPrefix(n, "bad-") {
					t.Errorf("VM %s left on the host", n)
				}
			}
			if f := e.vmFiles(spec.Name); len(f) != 0 {
				t.Errorf("files left on the host: %v", f)
			}
		})
	}
}

// TestImportNameInUse refuses to take over a VM the configuration did not
// create, and removes the leftover of an interrupted import.
func TestImportNameInUse(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simhost.Options{})
	p, _ := ova(t, ovatest.Spec{})
	first, err := e.m.Import(e.ctx, image.Spec{Name: "taken", Source: p}, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.m.Import(e.ctx, image.Spec{Name: "taken", Source: p}, nil)
	if fe, ok := image.AsFieldError(err); !ok || fe.Field != "name" {
		t.Fatalf("second import of the same name: %v, want a name error", err)
	}
	if _, err := e.m.Read(e.ctx, first.UUID); err != nil {
		t.Fatalf("the existing VM was touched: %v", err)
	}
	if uuid, err := e.m.Leftover(e.ctx, "taken", ""); err != nil || uuid != "" {
		t.Errorf("Leftover of a ready image = %q, %v", uuid, err)
	}
	// An import still running in another apply: its lease has not run out.
	e.reconfigure("taken", types.VirtualMachineConfigSpec{ExtraConfig: []types.BaseOptionValue{
		&types.OptionValue{Key: image.KeyImage, Value: image.StateImporting},
		&types.OptionValue{Key: image.KeyLeaseUntil, Value: time.Now().Add(time.Hour).UTC().Format(time.RFC3339)}}})
	_, err = e.m.Import(e.ctx, image.Spec{Name: "taken", Source: p}, nil)
	if fe, ok := image.AsFieldError(err); !ok || fe.Summary != "Import In Progress" {
		t.Fatalf("import over a running import: %v", err)
	}
	if _, err := e.m.Read(e.ctx, first.UUID); err != nil {
		t.Fatalf("the running import's VM was touched: %v", err)
	}
	// An import killed half-way: its lease ran out.
	e.reconfigure("taken", types.VirtualMachineConfigSpec{ExtraConfig: []types.BaseOptionValue{
		&types.OptionValue{Key: image.KeyLeaseUntil, Value: time.Now().Add(-time.Minute).UTC().Format(time.RFC3339)}}})
	if uuid, err := e.m.Leftover(e.ctx, "taken", ""); err != nil || uuid != first.UUID {
		t.Errorf("Leftover = %q, %v; want %s", uuid, err, first.UUID)
	}
	// Removing it destroys a VM the caller's state did not create: the
	// caller is asked, and a refusal stops the import with it intact.
	var asked []string
	e.m.ConfirmRemove = func(_ context.Context, uuid, path string) error {
		asked = append(asked, uuid+" "+path)
		return errors.New("refused by the test")
	}
	if _, err := e.m.Import(e.ctx, image.Spec{Name: "taken", Source: p}, nil); err == nil || !strings.Contains(err.Error(), "refused by the test") {
		t.Fatalf("import with the removal refused: %v", err)
	}
	if _, err := e.m.Read(e.ctx, first.UUID); err != nil || len(asked) != 1 || !strings.HasSuffix(asked[0], "/taken") {
		t.Fatalf("refused removal: leftover read %v, asked %v", err, asked)
	}
	e.m.ConfirmRemove = func(context.Context, string, string) error { return nil }
	again, err := e.m.Import(e.ctx, image.Spec{Name: "taken", Source: p}, nil)
	if err != nil {
		t.Fatalf("import over a leftover: %v", err)
	}
	if again.MOID == first.MOID {
		t.Error("the leftover was adopted instead of replaced by a clean import")
	}
	if n := strings.Count(strings.Join(e.vmNames(), ","), "taken"); n != 1 {
		t.Errorf("%d VMs named taken, want 1", n)
	}
}

// TestCheck refuses at plan time what the import would refuse, without
// touching the host.
func TestCheck(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simhost.Options{})
	p, _ := ova(t, ovatest.CloudImage())
	e.host.ResetMethods()
	err := e.m.Check(e.ctx, image.Spec{Name: "x", Source: p, NetworkMappings: map[string]string{"VM Network": "VM Network"},
		OVFProperties: map[string]string{"hostname": "a"}})
	if err != nil {
		t.Fatal(err)
	}
	err = e.m.Check(e.ctx, image.Spec{Name: "x", Source: p})
	if fe, ok := image.AsFieldError(err); !ok || fe.Field != "network_mappings" {
		t.Errorf("Check without mapping: %v", err)
	}
	huge, _ := ova(t, ovatest.Spec{DeclaredCapacity: 1 << 60})
	if err := e.m.Check(e.ctx, image.Spec{Name: "x", Source: huge}); err != nil {
		t.Errorf("a thin image needs only its packed size: %v", err)
	}
	err = e.m.Check(e.ctx, image.Spec{Name: "x", Source: huge, DiskProvisioning: "thick"})
	if fe, ok := image.AsFieldError(err); !ok || fe.Field != "datastore" || fe.Summary != "Not Enough Space On Datastore" {
		t.Errorf("Check of a thick 1 EiB disk: %v", err)
	}
	for _, m := range e.host.Methods() {
		if strings.HasSuffix(m, "_Task") || m == "ImportVApp" {
			t.Errorf("Check called %s", m)
		}
	}
}

// TestImportManifest checks the disks against the package's .mf while they
// stream: a good manifest imports, a wrong digest leaves nothing behind.
func TestImportManifest(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simhost.Options{})
	for _, tc := range []struct {
		alg string
		bad bool
	}{{"SHA256", false}, {"SHA1", false}, {"SHA256", true}} {
		name := fmt.Sprintf("mf-%s-%v", strings.ToLower(tc.alg), tc.bad)
		p, _ := ova(t, ovatest.Spec{Name: name, Manifest: tc.alg, BadManifest: tc.bad})
		_, err := e.m.Import(e.ctx, image.Spec{Name: name, Source: p}, nil)
		if !tc.bad {
			if err != nil {
				t.Errorf("%s: %v", name, err)
			}
			continue
		}
		fe, ok := image.AsFieldError(err)
		if !ok || fe.Summary != "Manifest Checksum Mismatch" || !strings.Contains(fe.Detail, name+"-disk1.vmdk") {
			t.Errorf("%s: %v, want a manifest mismatch naming the disk", name, err)
		}
		if f := e.vmFiles(name); len(f) != 0 || slices.Contains(e.vmNames(), name) {
			t.Errorf("%s left on the host: %v", name, f)
		}
	}
}

// TestSetTemplate flips an image between template and VM in place.
func TestSetTemplate(t *testing.T) {
	t.Parallel()
	for _, vcenter := range []bool{false, true} {
		t.Run(fmt.Sprint("vcenter=", vcenter), func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, simhost.Options{VCenter: vcenter})
			p, _ := ova(t, ovatest.Spec{})
			img, err := e.m.Import(e.ctx, image.Spec{Name: "flip", Source: p}, nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range []bool{true, false, true} {
				got, err := e.m.SetTemplate(e.ctx, img.UUID, want)
				if err != nil {
					t.Fatalf("SetTemplate(%v): %v", want, err)
				}
				v := e.vm("flip")
				onHost := v.Config.Template || extraConfig(v)["ceso.template"] == "true"
				if got.Template != want || onHost != want || got.MOID != img.MOID {
					t.Errorf("SetTemplate(%v): image says %v, host says %v (moid %s, was %s)", want, got.Template, onHost, got.MOID, img.MOID)
				}
			}
		})
	}
}

// TestLeaseKeepAlive: the simulated host times out an NFC lease that hears
// nothing, as a real host does; ceso's keep-alive carries a slow upload
// through, and without it the import fails and leaves nothing behind.
func TestLeaseKeepAlive(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simhost.Options{NFCLeaseTimeout: 500 * time.Millisecond})
	p, _ := ova(t, ovatest.Spec{Data: 1 << 20})
	url := serve(t, filepath.Dir(p), 40*time.Millisecond) + "/image.ova" // about 1.3 s
	e.m.KeepAlive = 30 * time.Millisecond
	if _, err := e.m.Import(e.ctx, image.Spec{Name: "kept-alive", Source: url}, nil); err != nil {
		t.Fatalf("with keep-alive: %v", err)
	}
	e.m.KeepAlive = time.Hour
	_, err := e.m.Import(e.ctx, image.Spec{Name: "timed-out", Source: url}, nil)
	if err == nil || !strings.Contains(err.Error(), "complete the import") || !strings.Contains(err.Error(), "InvalidState") {
		t.Fatalf("without keep-alive: %v, want the lease timeout", err)
	}
	if slices.Contains(e.vmNames(), "timed-out") || len(e.vmFiles("timed-out")) != 0 {
		t.Error("the timed-out import left something on the host")
	}
}
