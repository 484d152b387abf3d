package main

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// goreleaserConfig is the part of .goreleaser.yml the Terraform Registry
// depends on. `goreleaser check` (bin/goreleaser, built from tools/release)
// validates the whole file against goreleaser's schema; this test pins what
// a valid-but-wrong file would break: the artefact names, the checksums, the
// signature, the manifest and the version ldflag.
type goreleaserConfig struct {
	Version     int    `yaml:"version"`
	ProjectName string `yaml:"project_name"`
	Builds      []struct {
		Env     []string `yaml:"env"`
		Flags   []string `yaml:"flags"`
		Ldflags []string `yaml:"ldflags"`
		Goos    []string `yaml:"goos"`
		Goarch  []string `yaml:"goarch"`
		Binary  string   `yaml:"binary"`
	} `yaml:"builds"`
	Archives []struct {
		Formats      []string `yaml:"formats"`
		NameTemplate string   `yaml:"name_template"`
	} `yaml:"archives"`
	Checksum struct {
		NameTemplate string      `yaml:"name_template"`
		Algorithm    string      `yaml:"algorithm"`
		ExtraFiles   []extraFile `yaml:"extra_files"`
	} `yaml:"checksum"`
	Signs []struct {
		Artifacts string   `yaml:"artifacts"`
		Args      []string `yaml:"args"`
	} `yaml:"signs"`
	Release struct {
		ExtraFiles []extraFile `yaml:"extra_files"`
	} `yaml:"release"`
}

type extraFile struct {
	Glob         string `yaml:"glob"`
	NameTemplate string `yaml:"name_template"`
}

func TestGoreleaserConfig(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(".goreleaser.yml")
	if err != nil {
		t.Fatal(err)
	}
	var c goreleaserConfig
	if err := yaml.Unmarshal(data, &c); err != nil {
		t.Fatalf(".goreleaser.yml: %v", err)
	}

	if c.Version != 2 {
		t.Errorf("version = %d, want 2", c.Version)
	}
	if c.ProjectName != "terraform-provider-ceso" {
		t.Errorf("project_name = %q, want terraform-provider-ceso (the Registry requires that name)", c.ProjectName)
	}
	if len(c.Builds) != 1 {
		t.Fatalf("%d builds, want 1", len(c.Builds))
	}
	b := c.Builds[0]
	if !slices.Contains(b.Env, "CGO_ENABLED=0") {
		t.Errorf("builds env %v: want CGO_ENABLED=0 (static binaries)", b.Env)
	}
	if !slices.Contains(b.Flags, "-trimpath") {
		t.Errorf("builds flags %v: want -trimpath", b.Flags)
	}
	for _, goos := range []string{"linux", "darwin", "windows", "freebsd"} {
		if !slices.Contains(b.Goos, goos) {
			t.Errorf("builds goos %v: missing %s", b.Goos, goos)
		}
	}
	for _, goarch := range []string{"amd64", "arm64"} {
		if !slices.Contains(b.Goarch, goarch) {
			t.Errorf("builds goarch %v: missing %s", b.Goarch, goarch)
		}
	}
	if b.Binary != "{{ .ProjectName }}_v{{ .Version }}" {
		t.Errorf("binary = %q, want the Registry's {{ .ProjectName }}_v{{ .Version }}", b.Binary)
	}
	checkVersionLdflag(t, strings.Join(b.Ldflags, " "))

	if len(c.Archives) != 1 || !slices.Equal(c.Archives[0].Formats, []string{"zip"}) ||
		c.Archives[0].NameTemplate != "{{ .ProjectName }}_{{ .Version }}_{{ .Os }}_{{ .Arch }}" {
		t.Errorf("archives = %+v, want one zip per platform named {{ .ProjectName }}_{{ .Version }}_{{ .Os }}_{{ .Arch }}", c.Archives)
	}
	if c.Checksum.Algorithm != "sha256" || c.Checksum.NameTemplate != "{{ .ProjectName }}_{{ .Version }}_SHA256SUMS" {
		t.Errorf("checksum = %+v, want sha256 in {{ .ProjectName }}_{{ .Version }}_SHA256SUMS", c.Checksum)
	}
	if len(c.Signs) == 0 || c.Signs[0].Artifacts != "checksum" || !slices.Contains(c.Signs[0].Args, "--detach-sign") {
		t.Errorf("signs = %+v, want a detached signature of the checksum file", c.Signs)
	}
	manifest := extraFile{Glob: "terraform-registry-manifest.json", NameTemplate: "{{ .ProjectName }}_{{ .Version }}_manifest.json"}
	if !slices.Contains(c.Checksum.ExtraFiles, manifest) {
		t.Errorf("checksum extra_files %+v: want the registry manifest %+v", c.Checksum.ExtraFiles, manifest)
	}
	if !slices.Contains(c.Release.ExtraFiles, manifest) {
		t.Errorf("release extra_files %+v: want the registry manifest %+v", c.Release.ExtraFiles, manifest)
	}
}

// checkVersionLdflag checks that every -X main.NAME=... in ldflags sets a
// package-level string variable that main.go declares, and that one of them
// is main.version: an -X for a missing variable is silently ignored by the
// linker.
func checkVersionLdflag(t *testing.T, ldflags string) {
	t.Helper()
	declared := mainStringVars(t)
	set := regexp.MustCompile(`-X[ =]main\.(\w+)=`).FindAllStringSubmatch(ldflags, -1)
	if len(set) == 0 {
		t.Errorf("ldflags %q set no main.* variable; want -X main.version={{ .Version }}", ldflags)
	}
	var version bool
	for _, m := range set {
		if !declared[m[1]] {
			t.Errorf("ldflags set main.%s, which main.go does not declare as a string variable", m[1])
		}
		version = version || m[1] == "version"
	}
	if !version {
		t.Errorf("ldflags %q do not set main.version", ldflags)
	}
	if !strings.Contains(ldflags, "main.version={{ .Version }}") {
		t.Errorf("ldflags %q: want main.version={{ .Version }}", ldflags)
	}
}

func mainStringVars(t *testing.T) map[string]bool {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "main.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	vars := map[string]bool{}
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.VAR {
			continue
		}
		for _, s := range gd.Specs {
			vs, ok := s.(*ast.ValueSpec)
			if !ok {
				continue
			}
			for i, name := range vs.Names {
				// -X sets only string variables: declared string, or
				// initialised from a string literal.
				isString := false
				if id, ok := vs.Type.(*ast.Ident); ok && id.Name == "string" {
					isString = true
				}
				if vs.Type == nil && i < len(vs.Values) {
					if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
						isString = true
					}
				}
				vars[name.Name] = isString
			}
		}
	}
	return vars
}

func TestRegistryManifest(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("terraform-registry-manifest.json")
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Version  int `json:"version"`
		Metadata struct {
			ProtocolVersions []string `json:"protocol_versions"`
		} `json:"metadata"`
	}
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	if m.Version != 1 || !slices.Equal(m.Metadata.ProtocolVersions, []string{"6.0"}) {
		t.Errorf("terraform-registry-manifest.json = %+v, want version 1 and protocol_versions [6.0]", m)
	}
}
