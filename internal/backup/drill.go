package backup

import (
	"context"
	"fmt"
	"time"

	"github.com/esxi-commander/terraform-provider-ceso/internal/esxi"
)

// Verify levels of a backup (ceso_backup's verify). VerifyFiles is the
// cheap check every backup can afford (Spec.Verify); VerifyBoot adds a
// restore drill: the backup restored as a temporary VM, booted until its
// guest reports a VMware Tools heartbeat, then deleted.
const (
	VerifyNone  = "false"
	VerifyFiles = "true"
	VerifyBoot  = "boot"
)

// Drill outcomes.
const (
	DrillOK     = "ok"
	DrillFailed = "failed"
)

// Drill is the result of a restore drill, recorded in the manifest.
type Drill struct {
	Result string `json:"result"` // ok or failed
	// Reason says why a drill failed (empty when it passed).
	Reason   string    `json:"reason,omitempty"`
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished"`
	// DurationSeconds is how long the drill took, restore and clean-up
	// included.
	DurationSeconds float64 `json:"duration_seconds"`
	// VMName is the temporary VM's name; IP the address the guest
	// reported, when asked to wait for one.
	VMName string `json:"vm_name"`
	IP     string `json:"ip,omitempty"`
	// CleanedUp is false when removing the temporary VM failed; the next
	// drill removes it once its lease ran out.
	CleanedUp bool `json:"cleaned_up"`
}

// OK reports whether the drill passed.
func (d *Drill) OK() bool { return d != nil && d.Result == DrillOK }

// RecordDrill writes a drill's result into a complete backup's manifest
// (given by its folder or manifest path), replacing an earlier one, and
// returns the manifest as written.
func (m *Manager) RecordDrill(ctx context.Context, ref string, d Drill) (*Manifest, error) {
	dir, err := parseDir(ref)
	if err != nil {
		return nil, err
	}
	if err := m.client.CheckWritable(); err != nil {
		return nil, err
	}
	snap, dc, err := m.scope(ctx, dir.Datastore, "", "backup")
	if err != nil {
		return nil, err
	}
	var out *Manifest
	err = m.client.Pool.WithSession(ctx, func(ctx context.Context, s *esxi.Session) error {
		st := newStore(s, dc, snap, &m.requests)
		man, err := st.readManifest(ctx, dir)
		if err != nil {
			return err
		}
		if !man.Good() {
			return fmt.Errorf("backup %s has status %q: only a complete backup records a drill", man.ID, man.Status)
		}
		man.Drill = &d
		b, err := man.encode()
		if err != nil {
			return err
		}
		out = man
		return st.upload(ctx, dir.Join(ManifestName), b)
	})
	return out, err
}
