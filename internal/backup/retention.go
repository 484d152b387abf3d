package backup

import (
	"fmt"
	"sort"
	"time"
)

// Retention is a grandfather-father-son policy over the complete backups of
// one VM under one destination. A backup survives when any rule keeps it:
//
//   - Last: the Last newest backups;
//   - Daily: the newest backup of each of the Daily most recent UTC calendar
//     days that have a backup;
//   - Weekly: the same per ISO 8601 week (Monday to Sunday, UTC);
//   - Monthly: the same per calendar month (UTC).
//
// Buckets are counted over days (weeks, months) that hold a backup, not
// over the calendar: with keep_daily = 7 and backups on three days of the
// last week, older days still fill the seven. This is restic's and borg's
// rule, so a gap in the schedule never empties a category. A zero policy
// keeps everything.
type Retention struct {
	Last, Daily, Weekly, Monthly int
}

// Active reports whether the policy removes anything at all.
func (p Retention) Active() bool {
	return p.Last > 0 || p.Daily > 0 || p.Weekly > 0 || p.Monthly > 0
}

func (p Retention) String() string {
	return fmt.Sprintf("keep_last %d, keep_daily %d, keep_weekly %d, keep_monthly %d", p.Last, p.Daily, p.Weekly, p.Monthly)
}

// bucket keys; each takes a UTC time.
func dayKey(t time.Time) string { return t.Format("2006-01-02") }
func weekKey(t time.Time) string {
	y, w := t.ISOWeek()
	return fmt.Sprintf("%d-W%02d", y, w)
}
func monthKey(t time.Time) string { return t.Format("2006-01") }

// Expired returns the entries the policy removes, newest first. entries are
// the complete backups of one VM, the one just made (or about to be)
// included: it is the newest, so any active rule keeps it. It is the one
// selection both the guard's question (wouldPrune) and the removal (prune)
// use, so what is removed is what was allowed.
func (p Retention) Expired(entries []Entry) []Entry {
	if !p.Active() {
		return nil
	}
	sorted := append([]Entry(nil), entries...)
	sort.SliceStable(sorted, func(i, j int) bool { return newer(sorted[i], sorted[j]) })
	keep := make([]bool, len(sorted))
	for i := range sorted {
		if i < p.Last {
			keep[i] = true
		}
	}
	rules := []struct {
		n   int
		key func(time.Time) string
	}{{p.Daily, dayKey}, {p.Weekly, weekKey}, {p.Monthly, monthKey}}
	for _, rule := range rules {
		seen, prev := 0, ""
		for i, e := range sorted {
			if seen >= rule.n {
				break
			}
			// Newest first, so the first entry of a new bucket is that
			// bucket's newest backup.
			if k := rule.key(e.Time.UTC()); k != prev {
				keep[i] = true
				seen++
				prev = k
			}
		}
	}
	var out []Entry
	for i, e := range sorted {
		if !keep[i] {
			out = append(out, e)
		}
	}
	return out
}
