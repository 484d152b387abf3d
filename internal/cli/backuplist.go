package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/esxi-commander/terraform-provider-ceso/internal/backup"
	"github.com/esxi-commander/terraform-provider-ceso/internal/esxi"
	"github.com/esxi-commander/terraform-provider-ceso/internal/policy"
)

// backupStatus is one VM's line of backup list.
type backupStatus struct {
	VM         string `json:"vm"`
	VMUUID     string `json:"vm_uuid,omitempty"`
	BackupID   string `json:"backup_id,omitempty"` // empty: no complete backup
	Time       string `json:"time,omitempty"`      // RFC 3339, UTC
	AgeSeconds int64  `json:"age_seconds,omitempty"`
	SizeBytes  int64  `json:"size_bytes,omitempty"`
	Path       string `json:"path,omitempty"`
	Complete   int    `json:"complete_backups"`
	Other      int    `json:"other_folders"` // failed, incomplete, invalid
	// Drill is the result (ok, failed) of the newest restore drill of the
	// VM's complete backups, null when none was drilled; DrillBackupID is
	// the backup it drilled (not always the newest backup), DrillTime when
	// it finished, DrillReason why it failed.
	Drill         *string `json:"drill"`
	DrillBackupID string  `json:"drill_backup_id,omitempty"`
	DrillTime     string  `json:"drill_time,omitempty"`
	DrillReason   string  `json:"drill_reason,omitempty"`
	// SkippedDisks counts the disks the last complete backup left out
	// (exclude_disks, skip_independent_disks); they come back empty.
	SkippedDisks int `json:"skipped_disks,omitempty"`
}

func (r runner) backup(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "list" {
		return usageErr(stderr, errors.New("backup needs a subcommand: list [--json] DATASTORE-PATH"))
	}
	fs := newFlags("backup list", stderr)
	asJSON := fs.Bool("json", false, "print JSON instead of a table")
	pos, err := parse(fs, args[1:])
	if err != nil {
		return usageErr(stderr, err)
	}
	if len(pos) != 1 {
		return usageErr(stderr, errors.New(`backup list needs one destination, e.g. "[backup01] ceso"`))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	entries, err := r.readCatalog(ctx, pos[0])
	if err != nil {
		fmt.Fprintf(stderr, "error: %v\n", err)
		return exitFail
	}
	rows := summarise(entries, r.now())
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rows); err != nil {
			fmt.Fprintf(stderr, "error: %v\n", err)
			return exitFail
		}
		return exitOK
	}
	printBackupTable(stdout, rows)
	return exitOK
}

// readCatalog connects with the provider's environment settings and reads
// the destination's manifests. The system policy's host list applies
// before any connection, as in the provider: a host it does not allow
// never receives the credentials.
func (r runner) readCatalog(ctx context.Context, destination string) ([]backup.Entry, error) {
	ec := esxi.Config{
		Host: r.getenv("CESO_HOST"), Username: r.getenv("CESO_USERNAME"), Password: r.getenv("CESO_PASSWORD"),
		Thumbprint: r.getenv("CESO_TLS_THUMBPRINT"), Datacenter: r.getenv("CESO_DATACENTER"), MaxSessions: 2,
	}
	if v := r.getenv("CESO_INSECURE"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return nil, fmt.Errorf("CESO_INSECURE is %q; use true or false", v)
		}
		ec.Insecure = b
	}
	if ec.Host == "" {
		return nil, errors.New("no host: set CESO_HOST, CESO_USERNAME and CESO_PASSWORD (and CESO_TLS_THUMBPRINT or CESO_INSECURE), as for the provider")
	}
	if err := ec.Validate(); err != nil {
		return nil, err
	}
	pol, err := policy.Load(r.getenv)
	if err != nil {
		return nil, err
	}
	hp := esxi.HostPolicy{AllowInsecure: pol.AllowInsecure, Source: pol.Source()}
	for _, h := range pol.Hosts {
		hp.Allowed = append(hp.Allowed, esxi.AllowedHost{Host: h.Host, Thumbprint: h.TLSThumbprint})
	}
	if err := ec.ApplyHostPolicy(hp); err != nil {
		return nil, err
	}
	c, err := esxi.Connect(ctx, ec)
	if err != nil {
		return nil, err
	}
	defer c.Close(context.WithoutCancel(ctx))
	return backup.New(c, "").List(ctx, destination, backup.Filter{Datacenter: ec.Datacenter})
}

// summarise keeps, per VM, its newest complete backup. A VM is its UUID
// (the manifest's) when it has a complete backup, so two VMs that had the
// same name are two lines; folders without a good manifest count under
// their folder's name.
func summarise(entries []backup.Entry, now time.Time) []backupStatus {
	byKey := map[string]*backupStatus{}
	key := func(e backup.Entry) string {
		if e.Manifest != nil && e.Manifest.VM.UUID != "" {
			return "uuid:" + strings.ToLower(e.Manifest.VM.UUID)
		}
		return "name:" + e.VMName
	}
	var order []string
	for _, e := range entries { // newest first
		k := key(e)
		s := byKey[k]
		if s == nil {
			s = &backupStatus{VM: e.VMName}
			if e.Manifest != nil {
				s.VMUUID = e.Manifest.VM.UUID
			}
			byKey[k] = s
			order = append(order, k)
		}
		if e.Status != backup.StatusComplete {
			s.Other++
			continue
		}
		s.Complete++
		if d := e.Manifest.Drill; d != nil && s.Drill == nil {
			result := d.Result
			s.Drill, s.DrillBackupID, s.DrillReason = &result, e.ID, d.Reason
			s.DrillTime = d.Finished.UTC().Format(time.RFC3339)
		}
		if s.BackupID == "" {
			s.BackupID, s.Path, s.SizeBytes = e.ID, e.Dir, e.Manifest.SizeBytes
			s.SkippedDisks = len(e.Manifest.Skipped)
			s.Time = e.Time.UTC().Format(time.RFC3339)
			s.AgeSeconds = int64(now.Sub(e.Time).Seconds())
		}
	}
	out := make([]backupStatus, 0, len(order))
	for _, k := range order {
		out = append(out, *byKey[k])
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].VM != out[j].VM {
			return out[i].VM < out[j].VM
		}
		return out[i].VMUUID < out[j].VMUUID
	})
	return out
}

func printBackupTable(w io.Writer, rows []backupStatus) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "VM\tLAST COMPLETE BACKUP\tTIME (UTC)\tAGE\tSIZE\tBACKUPS\tOTHER\tDRILL")
	for _, s := range rows {
		if s.BackupID == "" {
			fmt.Fprintf(tw, "%s\t-\t-\t-\t-\t0\t%d\t-\n", s.VM, s.Other)
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%d\t%s\n", s.VM, s.BackupID, s.Time, humanAge(time.Duration(s.AgeSeconds)*time.Second),
			humanBytes(s.SizeBytes), s.Complete, s.Other, drillColumn(s))
	}
	_ = tw.Flush()
}

// drillColumn is the DRILL column: the newest drill's result, with the
// backup it drilled when that is not the newest backup.
func drillColumn(s backupStatus) string {
	switch {
	case s.Drill == nil:
		return "-"
	case s.DrillBackupID != s.BackupID:
		return *s.Drill + " (" + s.DrillBackupID + ")"
	}
	return *s.Drill
}

// humanAge is a duration to the minute, days first: "2d 3h", "5h 10m", "4m".
func humanAge(d time.Duration) string {
	if d < 0 {
		d = 0 // the host's clock is ahead of ours
	}
	days, d := d/(24*time.Hour), d%(24*time.Hour)
	hours, mins := d/time.Hour, (d%time.Hour)/time.Minute
	switch {
	case days > 0:
		return fmt.Sprintf("%dd %dh", days, hours)
	case hours > 0:
		return fmt.Sprintf("%dh %dm", hours, mins)
	}
	return fmt.Sprintf("%dm", mins)
}

// humanBytes uses binary units, as the datastore browser does.
func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
