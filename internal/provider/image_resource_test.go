package provider_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/acctest"
	"github.com/esxi-commander/terraform-provider-ceso/internal/image"
	"github.com/esxi-commander/terraform-provider-ceso/internal/image/ovatest"
	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
)

// writeOVA generates a cloud-image-shaped OVA (network "VM Network",
// properties hostname, user-data, ...) named file in dir.
func writeOVA(t *testing.T, dir, file, name string) (string, string) {
	t.Helper()
	s := ovatest.CloudImage()
	s.Name = name
	p, sum, err := ovatest.WriteOVA(dir, file, s)
	if err != nil {
		t.Fatal(err)
	}
	return p, sum
}

// serveDir serves dir over HTTP on 127.0.0.1 until the test ends.
func serveDir(t *testing.T, dir string) string {
	t.Helper()
	ln, err := new(net.ListenConfig).Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.FileServer(http.Dir(dir)), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return "http://" + ln.Addr().String()
}

// nothingNamed checks that no VM of these names and no files of their
// folders are on the host.
func nothingNamed(h *acctest.Host, names ...string) error {
	for _, n := range h.VMNames(context.Background()) {
		if slices.Contains(names, n) {
			return fmt.Errorf("VM %s is still on the host", n)
		}
	}
	files, err := h.Files()
	if err != nil {
		return err
	}
	for _, f := range files {
		for _, n := range names {
			if strings.Contains(filepath.ToSlash(f), "/"+n+"/") {
				return fmt.Errorf("file %s is still on the host", f)
			}
		}
	}
	return nil
}

func vAppProperty(v mo.VirtualMachine, id string) string {
	if v.Config == nil || v.Config.VAppConfig == nil {
		return ""
	}
	for _, p := range v.Config.VAppConfig.GetVmConfigInfo().Property {
		if p.Id == id {
			return p.Value
		}
	}
	return ""
}

func nicPortGroups(v mo.VirtualMachine) []string {
	var out []string
	for _, d := range v.Config.Hardware.Device {
		if nic, ok := d.(types.BaseVirtualEthernetCard); ok {
			if b, ok := nic.GetVirtualEthernetCard().Backing.(*types.VirtualEthernetCardNetworkBackingInfo); ok {
				out = append(out, b.DeviceName)
			}
		}
	}
	return out
}

// TestAccImage_lifecycle deploys a generated OVA as a template with a
// network mapping and OVF properties, creates a VM from it, re-plans
// nothing, imports it three ways and destroys everything: on a standalone
// host (ceso template marker) and on vCenter (template flag).
func TestAccImage_lifecycle(t *testing.T) {
	for _, vcenter := range []bool{false, true} {
		t.Run(map[bool]string{false: "esx", true: "vpx"}[vcenter], func(t *testing.T) {
			h := acctest.StartHost(t, simhost.Options{VCenter: vcenter, Templates: -1})
			if err := h.AddPortGroup(context.Background(), "pg-app"); err != nil {
				t.Fatal(err)
			}
			ova, sum := writeOVA(t, t.TempDir(), "ubuntu.ova", "ubuntu-cloudimg")
			cfg := h.ProviderConfig(unrestricted) + fmt.Sprintf(`
resource "ceso_image" "ubuntu" {
  name          = "ubuntu-24.04"
  source        = %q
  source_sha256 = %q
  template      = true
  network_mappings = {
    "VM Network" = "pg-app"
  }
  ovf_properties = {
    hostname  = "from-ovf"
    user-data = "I2Nsb3VkLWNvbmZpZwo="
  }
}

resource "ceso_vm" "web" {
  name     = "web-01"
  template = ceso_image.ubuntu.uuid
}

data "ceso_templates" "all" {
  depends_on = [ceso_image.ubuntu]
}
`, ova, sum)
			resource.ParallelTest(t, resource.TestCase{
				PreCheck:                 func() { acctest.PreCheck(t) },
				ProtoV6ProviderFactories: acctest.ProviderFactories,
				CheckDestroy:             func(*terraform.State) error { return nothingNamed(h, "ubuntu-24.04", "web-01") },
				Steps: []resource.TestStep{
					{
						Config: cfg,
						ConfigStateChecks: []statecheck.StateCheck{
							statecheck.ExpectKnownValue("ceso_image.ubuntu", tfjsonpath.New("uuid"), acctest.NonEmpty()),
							statecheck.ExpectKnownValue("ceso_image.ubuntu", tfjsonpath.New("moid"), acctest.NonEmpty()),
							statecheck.ExpectKnownValue("ceso_image.ubuntu", tfjsonpath.New("path"), knownvalue.StringRegexp(regexp.MustCompile(`/vm/ubuntu-24\.04$`))),
							statecheck.ExpectKnownValue("ceso_image.ubuntu", tfjsonpath.New("disks"), knownvalue.ListExact([]knownvalue.Check{
								knownvalue.ObjectPartial(map[string]knownvalue.Check{
									"size_bytes": knownvalue.Int64Exact(16 << 20), "controller": knownvalue.StringExact("scsi"),
									"path": knownvalue.StringRegexp(regexp.MustCompile(`ubuntu-24\.04/disk-0\.vmdk$`)),
								}),
							})),
							statecheck.ExpectKnownValue("ceso_vm.web", tfjsonpath.New("id"), acctest.NonEmpty()),
							// the marker (standalone) or flag (vCenter) is what ceso_templates lists
							statecheck.ExpectKnownValue("data.ceso_templates.all", tfjsonpath.New("templates"), knownvalue.ListExact([]knownvalue.Check{
								knownvalue.ObjectPartial(map[string]knownvalue.Check{"name": knownvalue.StringExact("ubuntu-24.04")}),
							})),
							acctest.HostCheck(func() error {
								v := h.VM(context.Background(), "ubuntu-24.04")
								if got := vAppProperty(v, "hostname"); got != "from-ovf" {
									return fmt.Errorf("vApp property hostname on the host = %q", got)
								}
								if got := nicPortGroups(v); !slices.Equal(got, []string{"pg-app"}) {
									return fmt.Errorf("image NICs on %v, want pg-app", got)
								}
								marker := acctest.ExtraConfig(v)["ceso.template"] == "true"
								if vcenter && !v.Config.Template || !vcenter && !marker {
									return fmt.Errorf("not a template: flag %v, marker %v", v.Config.Template, marker)
								}
								return nil
							}),
						},
					},
					{
						Config:           cfg,
						ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
					},
					{
						ResourceName: "ceso_image.ubuntu", ImportState: true, ImportStateVerify: true,
						ImportStateVerifyIgnore: []string{"source", "network_mappings", "ovf_properties", "timeouts"},
					},
					{
						ResourceName: "ceso_image.ubuntu", ImportState: true, ImportStateVerify: true, ImportStateId: "ubuntu-24.04",
						ImportStateVerifyIgnore: []string{"source", "network_mappings", "ovf_properties", "timeouts"},
					},
					{
						ResourceName: "ceso_image.ubuntu", ImportState: true, ImportStateVerify: true,
						ImportStateIdFunc:       func(s *terraform.State) (string, error) { return stateAttr(s, "ceso_image.ubuntu", "path"), nil },
						ImportStateVerifyIgnore: []string{"source", "network_mappings", "ovf_properties", "timeouts"},
					},
					{ // template changes in place: the image is not deployed again
						Config: strings.Replace(cfg, "template      = true", "template      = false", 1),
						ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
							plancheck.ExpectResourceAction("ceso_image.ubuntu", plancheck.ResourceActionUpdate)}},
						ConfigStateChecks: []statecheck.StateCheck{
							statecheck.ExpectKnownValue("ceso_image.ubuntu", tfjsonpath.New("template"), knownvalue.Bool(false)),
							acctest.HostCheck(func() error {
								v := h.VM(context.Background(), "ubuntu-24.04")
								if v.Config.Template || acctest.ExtraConfig(v)["ceso.template"] == "true" {
									return fmt.Errorf("still a template on the host")
								}
								return nil
							}),
						},
					},
				},
			})
		})
	}
}

// TestAccImage_urlReplace deploys from a URL served on 127.0.0.1, then a
// new source (and checksum) replaces the image: the old one is gone.
func TestAccImage_urlReplace(t *testing.T) {
	h := acctest.StartHost(t, simhost.Options{Templates: -1})
	dir := t.TempDir()
	_, sum1 := writeOVA(t, dir, "v1.ova", "release-1")
	_, sum2 := writeOVA(t, dir, "v2.ova", "release-2")
	base := serveDir(t, dir)
	auditFile := filepath.Join(t.TempDir(), "audit.jsonl")
	cfg := func(file, sum string) string {
		return h.ProviderConfig(unrestricted, fmt.Sprintf("  audit_file = %q", auditFile)) + fmt.Sprintf(`
resource "ceso_image" "app" {
  name             = "app-image"
  source           = "%s/%s"
  source_sha256    = %q
  network_mappings = { "VM Network" = "VM Network" }
}
`, base, file, sum)
	}
	var first string
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             func(*terraform.State) error { return nothingNamed(h, "app-image") },
		Steps: []resource.TestStep{
			{
				Config: cfg("v1.ova", sum1),
				Check: func(s *terraform.State) error {
					first = stateAttr(s, "ceso_image.app", "moid")
					return nil
				},
			},
			{Config: cfg("v1.ova", sum1), ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}},
			{ // standard mode: deleting an image is destructive and needs an elevation
				Config:      h.ProviderConfig(`mode = "standard"`),
				ExpectError: acctest.ErrorMatching("Refused", "image_delete", `ceso_image "app-image"`),
			},
			{
				Config: cfg("v2.ova", sum2),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("ceso_image.app", plancheck.ResourceActionDestroyBeforeCreate)}},
				Check: func(s *terraform.State) error {
					if moid := stateAttr(s, "ceso_image.app", "moid"); moid == first {
						return fmt.Errorf("the image was not replaced (still %s)", moid)
					}
					if n := strings.Count(strings.Join(h.VMNames(context.Background()), ","), "app-image"); n != 1 {
						return fmt.Errorf("%d VMs named app-image, want 1", n)
					}
					return nil
				},
			},
		},
	})
	// Each deployment and each removal went through the guard under its own
	// action: two imports (the first and the replacement), two deletes (the
	// replaced image and the final destroy).
	got := map[string]int{}
	for _, r := range readAudit(t, auditFile) {
		if r["resource_type"] == "ceso_image" && r["kind"] == "outcome" && r["outcome"] == "success" {
			got[fmt.Sprint(r["action"])]++
		}
	}
	if got["image_import"] != 2 || got["image_delete"] != 2 {
		t.Errorf("audited ceso_image outcomes = %v, want 2 image_import and 2 image_delete", got)
	}
}

// TestAccImage_badInput: bad input fails at plan where it can, a checksum
// mismatch fails at apply, restricted mode refuses, and nothing reaches or
// stays on the host.
func TestAccImage_badInput(t *testing.T) {
	h := acctest.StartHost(t, simhost.Options{Templates: -1})
	ova, sum := writeOVA(t, t.TempDir(), "img.ova", "img")
	huge, _, err := ovatest.WriteOVA(t.TempDir(), "huge.ova", ovatest.Spec{Name: "huge", DeclaredCapacity: 1 << 60})
	if err != nil {
		t.Fatal(err)
	}
	full := func(_ *simulator.Context, m *simulator.Method) types.BaseMethodFault {
		if m.Name == "HttpNfcLeaseComplete" {
			return &types.NoDiskSpace{Datastore: "LocalDS_0"}
		}
		return nil
	}
	cfg := func(mode, attrs string) string {
		return h.ProviderConfig(mode) + fmt.Sprintf(`
resource "ceso_image" "bad" {
  name   = "bad-image"
  source = %q
%s
}
`, ova, attrs)
	}
	mapped := `network_mappings = { "VM Network" = "VM Network" }`
	plan := func(attrs string, phrases ...string) resource.TestStep {
		return resource.TestStep{Config: cfg(unrestricted, attrs), PlanOnly: true, ExpectError: acctest.ErrorMatching(phrases...)}
	}
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy: func(*terraform.State) error {
			if n := h.CountMethod("ImportVApp"); n != 2 {
				return fmt.Errorf("ImportVApp reached the host %d times, want 2 (the checksum mismatch and the full datastore)", n)
			}
			return nothingNamed(h, "bad-image")
		},
		Steps: []resource.TestStep{
			plan("", "OVF Network Not Mapped", `"VM Network"`),
			plan(mapped+"\n  ovf_properties = { nope = \"x\" }", "Unknown OVF Property", "hostname"),
			plan(`network_mappings = { "VM Network" = "no-such-pg" }`, "Port Group Not Found"),
			{Config: strings.Replace(cfg(unrestricted, mapped), ova, filepath.Join(filepath.Dir(ova), "missing.ova"), 1), PlanOnly: true, ExpectError: acctest.ErrorMatching("Source File Not Found")},
			{Config: strings.Replace(cfg(unrestricted, mapped), ova, "http://127.0.0.1:1/img.ova", 1), PlanOnly: true, ExpectError: acctest.ErrorMatching("Source URL Unreachable")},
			{ // a datastore too small for the thick disks the package declares: refused at plan
				Config: strings.Replace(cfg(unrestricted, `disk_provisioning = "thick"`), ova, huge, 1), PlanOnly: true,
				ExpectError: acctest.ErrorMatching("Not Enough Space On Datastore"),
			},
			{Config: cfg(unrestricted, mapped+"\n  source_sha256 = \""+strings.Repeat("0", 64)+"\""), ExpectError: acctest.ErrorMatching("Checksum Mismatch", sum)},
			{ // the host runs out of space at the end of the upload: the half-made VM is removed
				PreConfig:   func() { h.AddHook(full) },
				Config:      cfg(unrestricted, mapped),
				ExpectError: acctest.ErrorMatching("Cannot Deploy Image", "NoDiskSpace", "datastore is full"),
			},
			{PreConfig: h.ClearHooks, Config: cfg(`mode = "restricted"`, mapped), ExpectError: acctest.ErrorMatching("Refused", "image_import")},
		},
	})
	if _, err := os.Stat(ova); err != nil {
		t.Fatal(err)
	}
}

// Restricted mode warns at plan, naming the object, before anything is
// read from the source or the host; standard mode plans a deployment or an
// upload (not destructive) without a warning.
func TestImageAndFile_restrictedPlanWarns(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		typ, object string
		attrs       acctest.Values
	}{
		{"ceso_image", `"img"`, acctest.Values{"name": acctest.Str("img"), "source": acctest.Str("/nowhere/img.ova")}},
		{"ceso_datastore_file", `"[ds] isos/x.iso"`, acctest.Values{"path": acctest.Str("[ds] isos/x.iso"), "source": acctest.Str("/nowhere/x.iso")}},
	} {
		diags := acctest.PlanDiagnostics(t, acctest.Values{"mode": acctest.Str("restricted")}, tc.typ, tc.attrs)
		w := acctest.FindDiagnostic(diags, tfprotov6.DiagnosticSeverityWarning, "Apply Will Refuse This Change")
		if w == nil || !strings.Contains(w.Detail, "Restricted Mode") || !strings.Contains(w.Detail, tc.object) {
			t.Errorf("%s: no restricted-mode warning naming %s: %+v", tc.typ, tc.object, w)
		}
		diags = acctest.PlanDiagnostics(t, acctest.Values{"mode": acctest.Str("standard")}, tc.typ, tc.attrs)
		if w := acctest.FindDiagnostic(diags, tfprotov6.DiagnosticSeverityWarning, "Apply Will Refuse This Change"); w != nil {
			t.Errorf("%s: standard mode warned on a new one: %s", tc.typ, w.Detail)
		}
	}
}

// leaveInterruptedImport makes the VM a killed import leaves behind: named
// like the image, marked importing, its lease run out.
func leaveInterruptedImport(t *testing.T, h *acctest.Host, name string) {
	t.Helper()
	ctx := context.Background()
	c, err := h.Client(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Logout(ctx) }()
	f := find.NewFinder(c.Client, true)
	dc, err := f.DefaultDatacenter(ctx)
	if err != nil {
		t.Fatal(err)
	}
	f.SetDatacenter(dc)
	folders, err := dc.Folders(ctx)
	if err != nil {
		t.Fatal(err)
	}
	pool, err := f.DefaultResourcePool(ctx)
	if err != nil {
		t.Fatal(err)
	}
	spec := types.VirtualMachineConfigSpec{Name: name, GuestId: "otherGuest64", Files: &types.VirtualMachineFileInfo{VmPathName: "[LocalDS_0]"},
		ExtraConfig: []types.BaseOptionValue{
			&types.OptionValue{Key: image.KeyImage, Value: image.StateImporting},
			&types.OptionValue{Key: image.KeyLeaseUntil, Value: time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)},
		}}
	task, err := folders.VmFolder.CreateVM(ctx, spec, pool, nil)
	if err == nil {
		err = task.Wait(ctx)
	}
	if err != nil {
		t.Fatalf("leave an interrupted import: %v", err)
	}
}

// TestAccImage_interruptedImport: the leftover of a killed import of the
// same name is removed by the next deployment, which is a destructive
// effect of its own (adopt_existing): standard mode refuses it without an
// elevation, unrestricted mode removes it and deploys.
func TestAccImage_interruptedImport(t *testing.T) {
	h := acctest.StartHost(t, simhost.Options{Templates: -1})
	ova, _ := writeOVA(t, t.TempDir(), "img.ova", "img")
	cfg := func(mode string) string {
		return h.ProviderConfig(mode) + fmt.Sprintf(`
resource "ceso_image" "app" {
  name             = "app-image"
  source           = %q
  network_mappings = { "VM Network" = "VM Network" }
}
`, ova)
	}
	var leftover string
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             func(*terraform.State) error { return nothingNamed(h, "app-image") },
		Steps: []resource.TestStep{
			{
				PreConfig: func() {
					leaveInterruptedImport(t, h, "app-image")
					leftover = h.VM(context.Background(), "app-image").Self.Value // the simulator derives UUIDs from names
				},
				Config:      cfg(`mode = "standard"`),
				ExpectError: acctest.ErrorMatching("Refused", "adopt_existing"),
			},
			{
				Config: cfg(unrestricted),
				Check: func(s *terraform.State) error {
					if got := stateAttr(s, "ceso_image.app", "moid"); got == leftover || got == "" {
						return fmt.Errorf("image moid %q, want a new VM (leftover %s)", got, leftover)
					}
					if n := strings.Count(strings.Join(h.VMNames(context.Background()), ","), "app-image"); n != 1 {
						return fmt.Errorf("%d VMs named app-image, want 1", n)
					}
					return nil
				},
			},
		},
	})
}
