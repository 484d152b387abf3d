package provider_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/esxi-commander/terraform-provider-ceso/internal/acctest"
	"github.com/esxi-commander/terraform-provider-ceso/internal/image/ovatest"
	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
)

// fileSHA256 is the hex SHA-256 of a file, what `sha256sum` prints.
func fileSHA256(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Clean(p))
	if err != nil {
		t.Fatal(err)
	}
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// swapDiskBytes changes bytes in the middle of a disk file and keeps its
// size: the descriptor (which records the size) still describes it.
func swapDiskBytes(t *testing.T, p string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Clean(p))
	if err != nil {
		t.Fatal(err)
	}
	for i := len(b) / 2; i < len(b)/2+64; i++ {
		b[i] ^= 0xff
	}
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// writeOVFPackage writes name.ovf, its disk and (with a manifest) name.mf
// into a folder of its own and returns the descriptor's path.
func writeOVFPackage(t *testing.T, name, manifest string) string {
	t.Helper()
	s := ovatest.CloudImage()
	s.Name, s.Manifest = name, manifest
	p, err := ovatest.WriteOVF(t.TempDir(), s)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func ovfImageConfig(h *acctest.Host, extra, name, src, sum string) string {
	return h.ProviderConfig(unrestricted, extra) + fmt.Sprintf(`
resource "ceso_image" "pinned" {
  name             = %q
  source           = %q
  source_sha256    = %q
  network_mappings = { "VM Network" = "VM Network" }
}
`, name, src, sum)
}

// TestAccImage_ovfDiskSwapped: source_sha256 on an .ovf source must pin
// every byte deployed, not just the descriptor. A disk swapped next to an
// unchanged descriptor is never deployed: without a manifest the pin is
// refused at plan (the disks would be unpinned); with one, source_sha256
// pins the manifest and the manifest pins the descriptor and the disks.
// Nothing is left on the host.
func TestAccImage_ovfDiskSwapped(t *testing.T) {
	testOVFDiskSwapped(t, simhost.Options{Templates: -1}, "")
}

func TestAccImage_ovfDiskSwapped_vcenter(t *testing.T) {
	testOVFDiskSwapped(t, simhost.Options{VCenter: true, Templates: -1}, `datacenter = "DC0"`)
}

func testOVFDiskSwapped(t *testing.T, opts simhost.Options, extra string) {
	h := acctest.StartHost(t, opts)
	// No manifest: the only checksum a user could pin is the descriptor's.
	bare := writeOVFPackage(t, "bare", "")
	bareDesc := fileSHA256(t, bare)
	// With a manifest (what ovftool --manifest writes).
	signed := writeOVFPackage(t, "signed", "SHA256")
	signedMF := fileSHA256(t, filepath.Join(filepath.Dir(signed), "signed.mf"))
	// The same package with its disk swapped and the manifest rewritten to
	// match: the descriptor is unchanged, only the pin can tell.
	forged := writeOVFPackage(t, "signed", "SHA256")
	swapDiskBytes(t, filepath.Join(filepath.Dir(forged), "signed-disk1.vmdk"))
	if err := os.WriteFile(filepath.Join(filepath.Dir(forged), "signed.mf"), forgedManifest(t, filepath.Dir(forged)), 0o600); err != nil {
		t.Fatal(err)
	}
	// A manifest that leaves the disk out pins nothing of it.
	partial := writeOVFPackage(t, "partial", "SHA256")
	partialMF := filepath.Join(filepath.Dir(partial), "partial.mf")
	if err := os.WriteFile(partialMF, fmt.Appendf(nil, "SHA256(partial.ovf)= %s\n", fileSHA256(t, partial)), 0o600); err != nil {
		t.Fatal(err)
	}
	names := []string{"ovf-bare", "ovf-partial", "ovf-signed", "ovf-forged", "ovf-swapped"}
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             func(*terraform.State) error { return nothingNamed(h, names...) },
		Steps: []resource.TestStep{
			{ // a disk swapped beside a descriptor-only pin must not deploy
				PreConfig:   func() { swapDiskBytes(t, filepath.Join(filepath.Dir(bare), "bare-disk1.vmdk")) },
				Config:      ovfImageConfig(h, extra, "ovf-bare", bare, bareDesc),
				ExpectError: acctest.ErrorMatching("Manifest Required", "source_sha256", "bare.mf", "ovftool --manifest", "sha256sum"),
			},
			{
				Config:      ovfImageConfig(h, extra, "ovf-partial", partial, fileSHA256(t, partialMF)),
				ExpectError: acctest.ErrorMatching("Manifest Incomplete", "source_sha256", "partial-disk1.vmdk", "ovftool --manifest"),
			},
			{ // the descriptor's checksum, as earlier versions took it: the error says what changed
				Config:      ovfImageConfig(h, extra, "ovf-signed", signed, fileSHA256(t, signed)),
				ExpectError: acctest.ErrorMatching("Checksum Mismatch", "SHA-256 of the descriptor signed.ovf", "sha256sum signed.mf"),
			},
			{
				Config:      ovfImageConfig(h, extra, "ovf-forged", forged, signedMF),
				ExpectError: acctest.ErrorMatching("Checksum Mismatch", "source_sha256", "signed.mf"),
			},
			{ // the pin holds, the disk does not match the pinned manifest
				PreConfig:   func() { swapDiskBytes(t, filepath.Join(filepath.Dir(signed), "signed-disk1.vmdk")) },
				Config:      ovfImageConfig(h, extra, "ovf-swapped", signed, signedMF),
				ExpectError: acctest.ErrorMatching("Manifest Checksum Mismatch", "signed-disk1.vmdk", "Nothing was kept"),
			},
			{
				PreConfig: func() {
					if err := nothingNamed(h, names...); err != nil {
						t.Fatal(err)
					}
					swapDiskBytes(t, filepath.Join(filepath.Dir(signed), "signed-disk1.vmdk")) // back as it was
				},
				Config: ovfImageConfig(h, extra, "ovf-signed", signed, signedMF),
				Check: func(*terraform.State) error {
					v := h.VM(context.Background(), "ovf-signed")
					if got := acctest.ExtraConfig(v)["ceso.image.sha256"]; got != signedMF {
						return fmt.Errorf("recorded pin %q, want the manifest's SHA-256 %s", got, signedMF)
					}
					return nil
				},
			},
		},
	})
}

// forgedManifest rewrites a manifest for the files in dir as they are now.
func forgedManifest(t *testing.T, dir string) []byte {
	t.Helper()
	var out []byte
	for _, f := range []string{"signed.ovf", "signed-disk1.vmdk"} {
		out = fmt.Appendf(out, "SHA256(%s)= %s\n", f, fileSHA256(t, filepath.Join(dir, f)))
	}
	return out
}

// TestAccImage_vAppRefused: a multi-VM vApp (VirtualSystemCollection), as
// an OVA and as an .ovf, is refused at plan with an error on source that
// names its VMs; nothing reaches the host.
func TestAccImage_vAppRefused(t *testing.T) {
	testVAppRefused(t, simhost.Options{Templates: -1}, "")
}

func TestAccImage_vAppRefused_vcenter(t *testing.T) {
	testVAppRefused(t, simhost.Options{VCenter: true, Templates: -1}, `datacenter = "DC0"`)
}

func testVAppRefused(t *testing.T, opts simhost.Options, extra string) {
	h := acctest.StartHost(t, opts)
	dir := t.TempDir()
	ova, _, err := ovatest.WriteOVA(dir, "stack.ova", ovatest.Spec{Name: "stack", VApp: 2})
	if err != nil {
		t.Fatal(err)
	}
	ovf, err := ovatest.WriteOVF(t.TempDir(), ovatest.Spec{Name: "stack", VApp: 2})
	if err != nil {
		t.Fatal(err)
	}
	step := func(src string) resource.TestStep {
		return resource.TestStep{
			Config: h.ProviderConfig(unrestricted, extra) + fmt.Sprintf(`
resource "ceso_image" "stack" {
  name   = "stack"
  source = %q
}
`, src),
			PlanOnly:    true,
			ExpectError: acctest.ErrorMatching("Multi-VM vApp Not Supported", "source", "stack-1", "stack-2", "one VM per package"),
		}
	}
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy: func(*terraform.State) error {
			if n := h.CountMethod("ImportVApp") + h.CountMethod("CreateImportSpec"); n != 0 {
				return fmt.Errorf("the vApp reached the host (%d import calls)", n)
			}
			return nothingNamed(h, "stack", "stack-1", "stack-2")
		},
		Steps: []resource.TestStep{step(ova), step(ovf)},
	})
}
