// Package suggest finds the names closest to one that was not found, so a
// not-found error can say "Did you mean ...?" instead of stopping short.
package suggest

import (
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"
)

// Closest returns up to n of names nearest to want, nearest first: names
// within a few edits of it (case ignored), and names that contain it or
// that it contains ("ubuntu" finds "ubuntu-24.04-template"). Names too far
// off to be a typo are left out, so an empty result means "no good guess".
func Closest(want string, names []string, n int) []string {
	w := strings.ToLower(strings.TrimSpace(want))
	if w == "" || n <= 0 {
		return nil
	}
	// A typo changes about one character in three at most; allow at least
	// two edits so short names still match a transposition.
	limit := max(2, utf8.RuneCountInString(w)/3)
	type cand struct {
		name string
		dist int
	}
	var cands []cand
	seen := map[string]bool{}
	for _, name := range names {
		if name == "" || seen[name] || name == want {
			continue
		}
		seen[name] = true
		l := strings.ToLower(name)
		d := Distance(w, l)
		if d > limit && (len(w) < 3 || !strings.Contains(l, w) && !strings.Contains(w, l)) {
			continue
		}
		cands = append(cands, cand{name, d})
	}
	sort.Slice(cands, func(i, j int) bool {
		if cands[i].dist != cands[j].dist {
			return cands[i].dist < cands[j].dist
		}
		return cands[i].name < cands[j].name
	})
	out := make([]string, 0, min(n, len(cands)))
	for i := 0; i < len(cands) && i < n; i++ {
		out = append(out, cands[i].name)
	}
	return out
}

// Distance is the Levenshtein edit distance between a and b, in runes.
func Distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// Phrase words suggestions for an error message: `Did you mean "a"?` or
// `Did you mean "a", "b" or "c"?`; "" when there are none.
func Phrase(names []string) string {
	if len(names) == 0 {
		return ""
	}
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	if len(q) == 1 {
		return "Did you mean " + q[0] + "?"
	}
	return "Did you mean " + strings.Join(q[:len(q)-1], ", ") + " or " + q[len(q)-1] + "?"
}
