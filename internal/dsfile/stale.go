package dsfile

import (
	"context"
	"errors"
	"fmt"
	"path"
	"regexp"
	"strconv"
	"time"

	"github.com/vmware/govmomi/vim25/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/esxi"
)

// An upload writes to <file>.ceso-upload-<until>-<id> beside its target:
// until is when the upload gives up at the latest (Unix seconds on the
// host's clock: its create timeout), id 16 random hex digits. A process
// killed mid-upload leaves that file behind. The next upload of the same
// path removes it, but only a file whose name is exactly of that form (so
// a file a person named similarly is never touched) and whose lease has
// run out (so an upload still running in another apply is never cut
// short). Removing it deletes a file this state did not create, so each
// removal is first put to ConfirmRemove (the guard, as adopt_existing).

// DefaultLease bounds an upload whose context has no deadline.
const DefaultLease = 4 * time.Hour

// ErrKeep, returned by ConfirmRemove, keeps a leftover upload without
// failing the upload that found it.
var ErrKeep = errors.New("keep the leftover upload")

// tempName is the temporary name of an upload to rel that runs until until.
func tempName(rel string, until time.Time, id string) string {
	return rel + tempInfix + strconv.FormatInt(until.Unix(), 10) + "-" + id
}

// leftoverUntil reads the lease of name, a file beside the target base; false
// when name is not a temporary file of an upload to base.
func leftoverUntil(base, name string) (time.Time, bool) {
	re := regexp.MustCompile(`^` + regexp.QuoteMeta(base+tempInfix) + `([0-9]{1,19})-[0-9a-f]{16}$`)
	m := re.FindStringSubmatch(name)
	if m == nil {
		return time.Time{}, false
	}
	sec, err := strconv.ParseInt(m[1], 10, 64)
	if err != nil {
		return time.Time{}, false
	}
	return time.Unix(sec, 0).UTC(), true
}

// uploadLease is when an upload started now gives up, on the host's clock.
func uploadLease(ctx context.Context, hostNow time.Time) time.Time {
	if dl, ok := ctx.Deadline(); ok {
		return hostNow.Add(time.Until(dl)).Add(time.Minute) // a minute for the clean-up after the deadline
	}
	return hostNow.Add(DefaultLease)
}

// removeStale removes the temporary files interrupted uploads to t left
// behind once their leases ran out, each confirmed by confirm (nil: none).
func removeStale(ctx context.Context, ss *esxi.Session, t *target, hostNow time.Time, confirm func(ctx context.Context, path string) error) error {
	b, err := t.datastore(ss).Browser(ctx)
	if err != nil {
		return esxi.Wrap("browse "+t.ds.Name, err)
	}
	dir := fmt.Sprintf("[%s] %s", t.ds.Name, path.Dir(t.rel))
	base := path.Base(t.rel)
	task, err := b.SearchDatastore(ctx, dir, &types.HostDatastoreBrowserSearchSpec{MatchPattern: []string{base + tempInfix + "*"}})
	info, err := esxi.WaitTask(ctx, "look for interrupted uploads in "+dir, task, err)
	if err != nil {
		if esxi.KindOf(err) == esxi.KindNotFound {
			return nil // no folder yet, nothing stale in it
		}
		return err
	}
	res, _ := info.Result.(types.HostDatastoreBrowserSearchResults)
	for _, f := range res.File {
		name := path.Base(f.GetFileInfo().Path)
		until, ours := leftoverUntil(base, name)
		if !ours || hostNow.Before(until) {
			continue // not ceso's, or an upload that may still be running
		}
		stale := fmt.Sprintf("[%s] %s", t.ds.Name, path.Join(path.Dir(t.rel), name))
		if confirm != nil {
			if err := confirm(ctx, stale); errors.Is(err, ErrKeep) {
				continue
			} else if err != nil {
				return err
			}
		}
		if err := deleteFile(ctx, ss, t.dc.Ref, stale); err != nil {
			return err
		}
	}
	return nil
}
