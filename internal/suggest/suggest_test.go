package suggest

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDistance(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"abc", "", 3},
		{"kitten", "sitting", 3},
		{"VM Network", "VM Netwerk", 1},
		{"VM Network", "MV Netwrk", 3},
		{"datastore1", "datastore1", 0},
		{"über", "uber", 1}, // runes, not bytes
	} {
		if got := Distance(tc.a, tc.b); got != tc.want {
			t.Errorf("Distance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestClosest(t *testing.T) {
	t.Parallel()
	networks := []string{"VM Network", "Management Network", "storage-net", "dmz"}
	templates := []string{"ubuntu-22.04-template", "ubuntu-24.04-template", "debian-12", "ceso-template"}
	for name, tc := range map[string]struct {
		want  string
		names []string
		n     int
		out   []string
	}{
		"a typo":                         {"VM Netwerk", networks, 3, []string{"VM Network"}},
		"case is ignored":                {"vm network", networks, 3, []string{"VM Network"}},
		"nearest first, then by name":    {"ubuntu-24.04-templat", templates, 3, []string{"ubuntu-24.04-template", "ubuntu-22.04-template"}},
		"a part of the name":             {"ubuntu", templates, 3, []string{"ubuntu-22.04-template", "ubuntu-24.04-template"}},
		"at most n":                      {"ubuntu", templates, 1, []string{"ubuntu-22.04-template"}},
		"nothing close: no guess":        {"windows-2022", templates, 3, []string{}},
		"short names match a swap":       {"zdm", networks, 3, []string{"dmz"}},
		"a one-letter name guesses none": {"x", networks, 3, []string{}},
		"empty":                          {"", networks, 3, nil},
		"the name itself is not offered": {"dmz", networks, 3, []string{}},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if d := cmp.Diff(tc.out, Closest(tc.want, tc.names, tc.n)); d != "" {
				t.Errorf("Closest(%q) (-want +got):\n%s", tc.want, d)
			}
		})
	}
}

func TestPhrase(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   []string
		want string
	}{
		{nil, ""},
		{[]string{"VM Network"}, `Did you mean "VM Network"?`},
		{[]string{"a", "b"}, `Did you mean "a" or "b"?`},
		{[]string{"a", "b", "c"}, `Did you mean "a", "b" or "c"?`},
	} {
		if got := Phrase(tc.in); got != tc.want {
			t.Errorf("Phrase(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
