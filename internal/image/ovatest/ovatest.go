// Package ovatest builds small OVA and OVF packages for tests, benchmarks
// and the demo: an OVF descriptor with the networks and vApp properties a
// test asks for, and a real streamOptimized VMDK written by govmomi's vmdk
// writer, so nothing is downloaded.
package ovatest

import (
	"archive/tar"
	"bytes"
	"crypto/sha1" //nolint:gosec // G505: OVF manifests use SHA1 too; test data.
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"text/template"

	"github.com/vmware/govmomi/vmdk"
)

// Property is one vApp property in the descriptor's ProductSection.
type Property struct {
	Key              string
	Type             string // string (default), boolean, int
	Default          string
	UserConfigurable bool
}

// Spec says what the package holds.
type Spec struct {
	Name         string     // VirtualSystem name, default "ceso-test-image"
	Networks     []string   // OVF networks, one NIC each; default none
	Properties   []Property // vApp properties
	DiskCapacity int64      // bytes, default 16 MiB
	GuestID      string     // default ubuntu64Guest
	// Data is how many bytes of incompressible data the disk holds (default
	// one 64 KiB grain), to make the package as large as a test needs.
	Data int64
	// DeclaredCapacity is the disk capacity the descriptor claims (default
	// DiskCapacity), to make a package that needs more space than a
	// datastore has without writing a large disk.
	DeclaredCapacity int64
	// Manifest adds a .mf after the descriptor with this algorithm's
	// digests ("SHA256", "SHA1"); BadManifest makes the disk's digest wrong.
	Manifest    string
	BadManifest bool
	// Hardware picks the descriptor's virtual hardware: "" a small VM,
	// "ubuntu-cloud" that of Ubuntu's cloud OVA (see UbuntuCloudImage).
	Hardware string
	// VApp, when above 1, wraps that many copies of the VM in a
	// VirtualSystemCollection: a multi-VM vApp, which ceso refuses.
	VApp int
}

func (s Spec) withDefaults() Spec {
	if s.Name == "" {
		s.Name = "ceso-test-image"
	}
	if s.DiskCapacity == 0 {
		s.DiskCapacity = 16 << 20
	}
	if s.DeclaredCapacity == 0 {
		s.DeclaredCapacity = s.DiskCapacity
	}
	if s.GuestID == "" {
		s.GuestID = "ubuntu64Guest"
	}
	return s
}

// CloudImage is a package shaped like Ubuntu's cloud OVA: one network
// named "VM Network" and the user-data, hostname and instance-id properties.
func CloudImage() Spec {
	return Spec{
		Name:     "ubuntu-cloudimg",
		Networks: []string{"VM Network"},
		Properties: []Property{
			{Key: "instance-id", Default: "id-ovf", UserConfigurable: true},
			{Key: "hostname", Default: "ubuntuguest", UserConfigurable: true},
			{Key: "seedfrom", UserConfigurable: true},
			{Key: "public-keys", UserConfigurable: true},
			{Key: "user-data", UserConfigurable: true},
			{Key: "password", UserConfigurable: true},
		},
	}
}

// WriteOVA writes the package as an OVA (a tar: descriptor first, then the
// disk) to dir/file and returns its path and hex SHA-256.
func WriteOVA(dir, file string, s Spec) (string, string, error) {
	s = s.withDefaults()
	disk, err := writeVMDK(dir, s)
	if err != nil {
		return "", "", err
	}
	defer func() { _ = os.Remove(disk) }()
	st, err := os.Stat(disk)
	if err != nil {
		return "", "", err
	}
	desc, err := Descriptor(s, filepath.Base(disk), st.Size())
	if err != nil {
		return "", "", err
	}
	p := filepath.Join(dir, file)
	out, err := os.Create(filepath.Clean(p))
	if err != nil {
		return "", "", err
	}
	h := sha256.New()
	tw := tar.NewWriter(io.MultiWriter(out, h))
	err = addBytes(tw, s.Name+".ovf", desc)
	if err == nil && s.Manifest != "" {
		var mf []byte
		if mf, err = manifest(s, desc, disk); err == nil {
			err = addBytes(tw, s.Name+".mf", mf)
		}
	}
	if err == nil {
		err = addFile(tw, disk)
	}
	if cerr := tw.Close(); err == nil {
		err = cerr
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", "", err
	}
	return p, hex.EncodeToString(h.Sum(nil)), nil
}

// WriteOVF writes the package as an OVF descriptor with its disk (and
// manifest, if asked) beside it in dir and returns the descriptor's path.
func WriteOVF(dir string, s Spec) (string, error) {
	s = s.withDefaults()
	disk, err := writeVMDK(dir, s)
	if err != nil {
		return "", err
	}
	st, err := os.Stat(disk)
	if err != nil {
		return "", err
	}
	desc, err := Descriptor(s, filepath.Base(disk), st.Size())
	if err != nil {
		return "", err
	}
	p := filepath.Join(dir, s.Name+".ovf")
	if s.Manifest != "" {
		mf, err := manifest(s, desc, disk)
		if err != nil {
			return "", err
		}
		if err := os.WriteFile(filepath.Join(dir, s.Name+".mf"), mf, 0o600); err != nil {
			return "", err
		}
	}
	return p, os.WriteFile(p, desc, 0o600)
}

// manifest renders the .mf: "ALG(name)= hex" per file, as ovftool writes it.
func manifest(s Spec, desc []byte, disk string) ([]byte, error) {
	newHash := sha256.New
	if s.Manifest == "SHA1" {
		newHash = sha1.New
	}
	sum := func(r io.Reader) (string, error) {
		h := newHash()
		_, err := io.Copy(h, r)
		return hex.EncodeToString(h.Sum(nil)), err
	}
	descSum, err := sum(bytes.NewReader(desc))
	if err != nil {
		return nil, err
	}
	f, err := os.Open(filepath.Clean(disk))
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }()
	diskSum, err := sum(f)
	if err != nil {
		return nil, err
	}
	if s.BadManifest {
		diskSum = strings.Repeat("0", len(diskSum))
	}
	return fmt.Appendf(nil, "%s(%s.ovf)= %s\n%s(%s)= %s\n", s.Manifest, s.Name, descSum, s.Manifest, filepath.Base(disk), diskSum), nil
}

func writeVMDK(dir string, s Spec) (string, error) {
	p := filepath.Join(dir, s.Name+"-disk1.vmdk")
	w, err := vmdk.NewStreamOptimizedWriter(p, s.DiskCapacity)
	if err != nil {
		return "", err
	}
	// Recognisable data in the first grain, pseudo-random (incompressible)
	// data after it up to s.Data; the rest of the disk is sparse.
	var data io.Reader = bytes.NewReader(bytes.Repeat([]byte("ceso"), 64<<10/4))
	if s.Data > 64<<10 {
		data = io.MultiReader(data, io.LimitReader(rand.NewChaCha8([32]byte{1}), s.Data-64<<10)) //nolint:gosec // test data, not a secret.
	}
	if err := w.Write(data); err != nil {
		_ = w.Abort()
		return "", err
	}
	return p, w.Close()
}

func addBytes(tw *tar.Writer, name string, b []byte) error {
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(b)), Typeflag: tar.TypeReg, Format: tar.FormatUSTAR}); err != nil {
		return err
	}
	_, err := tw.Write(b)
	return err
}

func addFile(tw *tar.Writer, p string) error {
	f, err := os.Open(filepath.Clean(p))
	if err != nil {
		return err
	}
	defer func() { _ = f.Close() }()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if err := tw.WriteHeader(&tar.Header{Name: filepath.Base(p), Mode: 0o644, Size: st.Size(), Typeflag: tar.TypeReg, Format: tar.FormatUSTAR}); err != nil {
		return err
	}
	_, err = io.Copy(tw, f)
	return err
}

// Descriptor renders the OVF descriptor for a disk file of the given size.
func Descriptor(s Spec, diskFile string, diskSize int64) ([]byte, error) {
	s = s.withDefaults()
	var buf bytes.Buffer
	tmpl := descriptorTmpl
	if s.Hardware == "ubuntu-cloud" {
		tmpl = ubuntuTmpl
	}
	err := tmpl.Execute(&buf, map[string]any{"S": s, "DiskFile": diskFile, "DiskSize": diskSize})
	if err != nil {
		return nil, fmt.Errorf("render OVF descriptor: %w", err)
	}
	if s.VApp > 1 {
		return vapp(buf.String(), s), nil
	}
	return buf.Bytes(), nil
}

// vapp wraps the descriptor's VirtualSystem in a VirtualSystemCollection
// of s.VApp copies, each with an id and name of its own.
func vapp(desc string, s Spec) []byte {
	start := strings.Index(desc, "  <VirtualSystem ")
	end := strings.LastIndex(desc, "</VirtualSystem>") + len("</VirtualSystem>")
	vs := desc[start:end]
	var b strings.Builder
	b.WriteString(desc[:start])
	fmt.Fprintf(&b, "  <VirtualSystemCollection ovf:id=\"%s-vapp\">\n    <Info>A vApp</Info>\n    <Name>%s-vapp</Name>\n", s.Name, s.Name)
	for i := 1; i <= s.VApp; i++ {
		n := fmt.Sprintf("%s-%d", s.Name, i)
		one := strings.Replace(vs, `ovf:id="`+s.Name+`"`, `ovf:id="`+n+`"`, 1)
		one = strings.Replace(one, "<Name>"+s.Name+"</Name>", "<Name>"+n+"</Name>", 1)
		b.WriteString(one + "\n")
	}
	b.WriteString("  </VirtualSystemCollection>")
	b.WriteString(desc[end:])
	return []byte(b.String())
}

var descriptorTmpl = template.Must(template.New("ovf").Funcs(template.FuncMap{
	"add": func(a, b int) int { return a + b },
	"ptype": func(p Property) string {
		if p.Type == "" {
			return "string"
		}
		return p.Type
	},
}).Parse(`<?xml version="1.0" encoding="UTF-8"?>
<Envelope xmlns="http://schemas.dmtf.org/ovf/envelope/1"
          xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1"
          xmlns:rasd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData"
          xmlns:vmw="http://www.vmware.com/schema/ovf"
          xmlns:vssd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_VirtualSystemSettingData">
  <References>
    <File ovf:href="{{ .DiskFile }}" ovf:id="file1" ovf:size="{{ .DiskSize }}"/>
  </References>
  <DiskSection>
    <Info>Virtual disk information</Info>
    <Disk ovf:capacity="{{ .S.DeclaredCapacity }}" ovf:capacityAllocationUnits="byte" ovf:diskId="vmdisk1" ovf:fileRef="file1" ovf:format="http://www.vmware.com/interfaces/specifications/vmdk.html#streamOptimized"/>
  </DiskSection>
{{- if .S.Networks }}
  <NetworkSection>
    <Info>The list of logical networks</Info>
{{- range .S.Networks }}
    <Network ovf:name="{{ . }}">
      <Description>The {{ . }} network</Description>
    </Network>
{{- end }}
  </NetworkSection>
{{- end }}
  <VirtualSystem ovf:id="{{ .S.Name }}">
    <Info>A virtual machine</Info>
    <Name>{{ .S.Name }}</Name>
    <OperatingSystemSection ovf:id="94" vmw:osType="{{ .S.GuestID }}">
      <Info>The kind of installed guest operating system</Info>
    </OperatingSystemSection>
{{- if .S.Properties }}
    <ProductSection ovf:required="false">
      <Info>Cloud-Init customization</Info>
      <Product>ceso test image</Product>
{{- range .S.Properties }}
      <Property ovf:key="{{ .Key }}" ovf:type="{{ ptype . }}" ovf:userConfigurable="{{ .UserConfigurable }}"{{ if .Default }} ovf:value="{{ .Default }}"{{ end }}>
        <Label>{{ .Key }}</Label>
      </Property>
{{- end }}
    </ProductSection>
{{- end }}
    <VirtualHardwareSection>
      <Info>Virtual hardware requirements</Info>
      <System>
        <vssd:ElementName>Virtual Hardware Family</vssd:ElementName>
        <vssd:InstanceID>0</vssd:InstanceID>
        <vssd:VirtualSystemIdentifier>{{ .S.Name }}</vssd:VirtualSystemIdentifier>
        <vssd:VirtualSystemType>vmx-13</vssd:VirtualSystemType>
      </System>
      <Item>
        <rasd:AllocationUnits>hertz * 10^6</rasd:AllocationUnits>
        <rasd:ElementName>2 virtual CPU(s)</rasd:ElementName>
        <rasd:InstanceID>1</rasd:InstanceID>
        <rasd:ResourceType>3</rasd:ResourceType>
        <rasd:VirtualQuantity>2</rasd:VirtualQuantity>
      </Item>
      <Item>
        <rasd:AllocationUnits>byte * 2^20</rasd:AllocationUnits>
        <rasd:ElementName>1024MB of memory</rasd:ElementName>
        <rasd:InstanceID>2</rasd:InstanceID>
        <rasd:ResourceType>4</rasd:ResourceType>
        <rasd:VirtualQuantity>1024</rasd:VirtualQuantity>
      </Item>
      <Item>
        <rasd:Address>0</rasd:Address>
        <rasd:ElementName>SCSI Controller 0</rasd:ElementName>
        <rasd:InstanceID>3</rasd:InstanceID>
        <rasd:ResourceSubType>VirtualSCSI</rasd:ResourceSubType>
        <rasd:ResourceType>6</rasd:ResourceType>
      </Item>
      <Item>
        <rasd:AddressOnParent>0</rasd:AddressOnParent>
        <rasd:ElementName>Hard Disk 1</rasd:ElementName>
        <rasd:HostResource>ovf:/disk/vmdisk1</rasd:HostResource>
        <rasd:InstanceID>4</rasd:InstanceID>
        <rasd:Parent>3</rasd:Parent>
        <rasd:ResourceType>17</rasd:ResourceType>
      </Item>
{{- range $i, $n := .S.Networks }}
      <Item>
        <rasd:AddressOnParent>{{ $i }}</rasd:AddressOnParent>
        <rasd:AutomaticAllocation>true</rasd:AutomaticAllocation>
        <rasd:Connection>{{ $n }}</rasd:Connection>
        <rasd:ElementName>Ethernet {{ add $i 1 }}</rasd:ElementName>
        <rasd:InstanceID>{{ add $i 10 }}</rasd:InstanceID>
        <rasd:ResourceSubType>VmxNet3</rasd:ResourceSubType>
        <rasd:ResourceType>10</rasd:ResourceType>
      </Item>
{{- end }}
    </VirtualHardwareSection>
  </VirtualSystem>
</Envelope>
`))
