package cloudinit

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// corpusSpec is one FuzzRender corpus entry as the Spec it renders.
type corpusSpec struct {
	name string
	spec Spec
}

// fuzzCorpus reads testdata/fuzz/FuzzRender: the inputs that once found a
// bug or cover a trap, so the real cloud-init sees them too.
func fuzzCorpus(t *testing.T) []corpusSpec {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "fuzz", "FuzzRender", "*"))
	if err != nil {
		t.Fatal(err)
	}
	var out []corpusSpec
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var strs []string
		var dhcp bool
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		if len(lines) != 12 || lines[0] != "go test fuzz v1" {
			t.Fatalf("%s: want the FuzzRender header and its 11 arguments", file)
		}
		for _, line := range lines[1:] {
			switch {
			case strings.HasPrefix(line, "string(") && strings.HasSuffix(line, ")"):
				s, err := strconv.Unquote(line[len("string(") : len(line)-1])
				if err != nil {
					t.Fatalf("%s: %q: %v", file, line, err)
				}
				strs = append(strs, s)
			case line == "bool(true)" || line == "bool(false)":
				dhcp = line == "bool(true)"
			default:
				t.Fatalf("%s: unexpected line %q", file, line)
			}
		}
		if len(strs) != 10 {
			t.Fatalf("%s: %d strings, want 10", file, len(strs))
		}
		out = append(out, corpusSpec{
			name: filepath.Base(file),
			spec: fuzzSpec(strs[0], strs[1], strs[2], strs[3], strs[4], strs[5], strs[6], strs[7], strs[8], strs[9], dhcp),
		})
	}
	if len(out) < 8 {
		t.Fatalf("found %d FuzzRender corpus entries, want at least 8", len(out))
	}
	return out
}
