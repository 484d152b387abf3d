package esxi

import "testing"

func TestCallCounterFixedLeavesOutLongPolls(t *testing.T) {
	t.Parallel()
	var observed []string
	c := NewCallCounter(func(m string) { observed = append(observed, m) })
	// One task wait whose task ended after the first poll answered: the
	// second WaitForUpdatesEx is timing, not code.
	for _, m := range []string{"CreateFilter", "WaitForUpdatesEx", "WaitForUpdatesEx", "DestroyPropertyFilter",
		"RetrievePropertiesEx", "WaitForUpdates"} {
		c.add(m)
	}
	if got, want := c.Total(), int64(6); got != want {
		t.Errorf("Total() = %d, want %d", got, want)
	}
	if got, want := c.Fixed(), int64(3); got != want {
		t.Errorf("Fixed() = %d, want %d (%s)", got, want, c)
	}
	if len(observed) != 6 {
		t.Errorf("observe saw %d calls, want 6", len(observed))
	}
}
