package backup_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/esxi-commander/terraform-provider-ceso/internal/backup"
)

// fortyDays is a catalog of 40 days of backups, three a day (01:00, 09:00,
// 17:00 UTC) from Thursday 2026-01-01 to Monday 2026-02-09. Ids are the
// start times, so expectations read as times.
func fortyDays() []backup.Entry {
	var out []backup.Entry
	day := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for d := 0; d < 40; d++ {
		for _, h := range []int{1, 9, 17} {
			t := day.AddDate(0, 0, d).Add(time.Duration(h) * time.Hour)
			out = append(out, backup.Entry{ID: t.Format("0102T15"), Time: t, Status: backup.StatusComplete})
		}
	}
	return out
}

func survivors(p backup.Retention, all []backup.Entry) []string {
	gone := map[string]bool{}
	for _, e := range p.Expired(all) {
		gone[e.ID] = true
	}
	var out []string
	for i := len(all) - 1; i >= 0; i-- { // newest first
		if !gone[all[i].ID] {
			out = append(out, all[i].ID)
		}
	}
	return out
}

func TestRetentionGFSOverFortyDays(t *testing.T) {
	all := fortyDays()
	cases := []struct {
		name string
		p    backup.Retention
		want []string
	}{
		{"gfs", backup.Retention{Last: 3, Daily: 7, Weekly: 4, Monthly: 3}, []string{
			"0209T17", "0209T09", "0209T01", // last 3; also the newest of Feb 9, ISO week 7 and February
			"0208T17", "0207T17", "0206T17", "0205T17", "0204T17", "0203T17", // daily: six more days; Feb 8 is also week 6's
			"0201T17", // week 5 (Jan 26 - Feb 1)
			"0131T17", // January (monthly: only two months hold a backup)
			"0125T17", // week 4 (Jan 19 - 25)
		}},
		// Weeks follow ISO 8601: Thursday Jan 1 is in 2026-W01 with Dec 29
		// to Jan 4, so week 1's newest is Jan 4.
		{"weekly only", backup.Retention{Weekly: 6}, []string{
			"0209T17", "0208T17", "0201T17", "0125T17", "0118T17", "0111T17"}},
		{"weekly reaches the first week", backup.Retention{Weekly: 10}, []string{
			"0209T17", "0208T17", "0201T17", "0125T17", "0118T17", "0111T17", "0104T17"}},
		{"monthly only", backup.Retention{Monthly: 1}, []string{"0209T17"}},
		{"last only is the old keep", backup.Retention{Last: 4}, []string{"0209T17", "0209T09", "0209T01", "0208T17"}},
		{"daily overlapping last", backup.Retention{Last: 2, Daily: 2}, []string{"0209T17", "0209T09", "0208T17"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if diff := cmp.Diff(c.want, survivors(c.p, all)); diff != "" {
				t.Errorf("survivors of %s (-want +got):\n%s", c.p, diff)
			}
		})
	}
	if got := (backup.Retention{}).Expired(all); got != nil {
		t.Errorf("a zero policy expires %d backups; want none", len(got))
	}
}

// TestRetentionBucketsAreUTC puts two backups on either side of midnight
// UTC that share a local day in New York: daily counts them as two days.
func TestRetentionBucketsAreUTC(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip("no tz database:", err)
	}
	a := time.Date(2026, 3, 2, 23, 30, 0, 0, time.UTC).In(ny) // 18:30 in New York
	b := time.Date(2026, 3, 3, 0, 30, 0, 0, time.UTC).In(ny)  // 19:30 the same New York day
	c := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	all := []backup.Entry{{ID: "c", Time: c}, {ID: "a", Time: a}, {ID: "b", Time: b}}
	got := fmt.Sprint(survivors(backup.Retention{Daily: 2}, all))
	if got != "[b a]" {
		t.Errorf("daily 2 keeps %s; want [b a] (two UTC days)", got)
	}
}
