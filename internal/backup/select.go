package backup

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Reasons a disk is left out of a backup, as the manifest records them.
const (
	// SkipExcluded: the configuration named the disk in exclude_disks.
	SkipExcluded = "excluded"
	// SkipIndependent: the disk is in an independent mode, which a
	// snapshot does not cover, and skip_independent_disks was set.
	SkipIndependent = "independent"
	// SkipRDM: a raw device mapping, whose data is a LUN, not a file ceso
	// can copy, left out under skip_independent_disks.
	SkipRDM = "raw_device_mapping"
)

// SkippedDisk is a disk of the VM that the backup left out: it has no copy
// in the backup folder. A restore makes it again, empty, with the recorded
// size, so the guest finds a disk where it expects one (its data is not
// there: restore it another way).
type SkippedDisk struct {
	Label         string `json:"label"`
	Controller    string `json:"controller"`
	Bus           int32  `json:"bus"`
	Unit          int32  `json:"unit"`
	CapacityBytes int64  `json:"capacity_bytes"`
	Provisioning  string `json:"provisioning"`
	DiskMode      string `json:"disk_mode"`
	// Source is the disk file that was not copied.
	Source string `json:"source"`
	// Reason is SkipExcluded, SkipIndependent or SkipRDM.
	Reason string `json:"reason"`
}

// Slot is the disk's place, "scsi:0:1", the form exclude_disks accepts.
func (d SkippedDisk) Slot() string { return slotName(d.Controller, d.Bus, d.Unit) }

// Slot is the disk's place, "scsi:0:1".
func (d Disk) Slot() string { return slotName(d.Controller, d.Bus, d.Unit) }

func slotName(family string, bus, unit int32) string {
	return family + ":" + strconv.Itoa(int(bus)) + ":" + strconv.Itoa(int(unit))
}

// skipped describes a source disk left out for a reason.
func (d srcDisk) skipped(reason string) SkippedDisk {
	i := d.info
	return SkippedDisk{Label: i.Label, Controller: i.Controller, Bus: i.Bus, Unit: i.Unit, CapacityBytes: i.CapacityBytes,
		Provisioning: i.Provisioning, DiskMode: i.DiskMode, Source: d.file, Reason: reason}
}

// describeDisk is how an error lists a disk: "Hard disk 2 (scsi:0:1, 8.0 GiB)".
func describeDisk(d Disk) string {
	return fmt.Sprintf("%s (%s, %s)", d.Label, d.Slot(), human(d.CapacityBytes))
}

// excluded resolves exclude_disks against the VM's disks: each name is a
// slot ("scsi:0:1"), a bus and unit ("0:1", when one controller family
// has it) or a label ("Hard disk 2", any case). It returns the indexes of
// the disks to leave out; a name that matches no disk, or more than one,
// is an error on exclude_disks that lists the VM's disks.
func excluded(names []string, disks []srcDisk, vmName string) (map[int]bool, error) {
	out := map[int]bool{}
	var unknown, ambiguous []string
	for _, raw := range names {
		name := strings.TrimSpace(raw)
		var hits []int
		for i, d := range disks {
			slot := d.info.Slot()
			switch {
			case strings.EqualFold(name, slot),
				strings.EqualFold(name, d.info.Label),
				name == strconv.Itoa(int(d.info.Bus))+":"+strconv.Itoa(int(d.info.Unit)):
				hits = append(hits, i)
			}
		}
		switch len(hits) {
		case 0:
			unknown = append(unknown, strconv.Quote(raw))
		case 1:
			out[hits[0]] = true
		default:
			var which []string
			for _, i := range hits {
				which = append(which, disks[i].info.Slot())
			}
			ambiguous = append(ambiguous, fmt.Sprintf("%q (matches %s)", raw, strings.Join(which, " and ")))
		}
	}
	if len(unknown) == 0 && len(ambiguous) == 0 {
		return out, nil
	}
	var have []string
	for _, d := range disks {
		have = append(have, describeDisk(d.info))
	}
	if len(have) == 0 {
		have = []string{"none"}
	}
	var what []string
	if len(unknown) > 0 {
		what = append(what, "names no disk of VM "+vmName+": "+strings.Join(unknown, ", "))
	}
	if len(ambiguous) > 0 {
		what = append(what, "is ambiguous: "+strings.Join(ambiguous, ", ")+"; name the disk by controller, bus and unit, e.g. \"scsi:0:1\"")
	}
	return nil, fieldErr("exclude_disks", "Unknown Disk In exclude_disks",
		"exclude_disks %s. The VM's disks are: %s. Name a disk by its label or by controller, bus and unit (\"scsi:0:1\").",
		strings.Join(what, "; "), strings.Join(have, ", "))
}

// CheckDisks resolves exclude_disks against the VM as the shared inventory
// sees it, so a name that matches no disk fails the plan.
func (m *Manager) CheckDisks(ctx context.Context, vmUUID string, exclude []string) error {
	if len(exclude) == 0 {
		return nil
	}
	snap, err := m.client.Inventory.Get(ctx)
	if err != nil {
		return err
	}
	v, err := snap.FindVM("uuid", vmUUID, "")
	if err != nil {
		return vmErr(vmUUID, err)
	}
	disks, _, _ := describe(v.Devices, snap)
	_, err = excluded(exclude, disks, v.Name)
	return err
}

// selectDisks splits the VM's disks into those to copy and those left
// out, and returns the refusals for disks that can be neither: independent
// ones and raw device mappings without SkipIndependentDisks, disks without
// a file backing.
func (r *run) selectDisks(disks []srcDisk) (keep []srcDisk, skip []SkippedDisk, errs []error) {
	out, err := excluded(r.spec.ExcludeDisks, disks, r.vm.Name)
	if err != nil {
		return nil, nil, []error{err}
	}
	var indep, odd []string
	for i, d := range disks {
		switch {
		case out[i]:
			skip = append(skip, d.skipped(SkipExcluded))
		case d.extern || d.file == "":
			odd = append(odd, d.info.Label+" (no file backing)")
		case d.rdm && r.spec.SkipIndependentDisks:
			skip = append(skip, d.skipped(SkipRDM))
		case d.rdm:
			indep = append(indep, fmt.Sprintf("%s (%s, raw device mapping %s)", d.info.Label, d.info.Slot(), d.file))
		case independent(d.info.DiskMode) && r.spec.SkipIndependentDisks:
			skip = append(skip, d.skipped(SkipIndependent))
		case independent(d.info.DiskMode):
			indep = append(indep, fmt.Sprintf("%s (%s, %s, %s)", d.info.Label, d.info.Slot(), d.file, d.info.DiskMode))
		default:
			keep = append(keep, d)
		}
	}
	if len(indep) > 0 {
		errs = append(errs, &FieldError{Field: "vm", Summary: "Independent Disks Cannot Be Backed Up", Err: ErrIndependentDisks,
			Detail: fmt.Sprintf("VM %s has disks a snapshot does not cover: %s. ceso cannot copy them while the VM runs. "+
				"Set skip_independent_disks = true to back up the other disks and leave these out (a restore makes them again, empty), "+
				"name them in exclude_disks, or switch them to the dependent (persistent) mode with the VM powered off.", r.vm.Name, strings.Join(indep, ", "))})
	}
	if len(odd) > 0 {
		errs = append(errs, fieldErr("vm", "Disks Cannot Be Copied",
			"VM %s has disks ceso cannot copy: %s. Name them in exclude_disks, remove them from the VM, or back it up another way.", r.vm.Name, strings.Join(odd, ", ")))
	}
	sort.SliceStable(skip, func(i, j int) bool { return skip[i].Slot() < skip[j].Slot() })
	return keep, skip, errs
}

// skipWarnings tells the user, per disk, what the backup left out.
func skipWarnings(vmName string, skip []SkippedDisk) []string {
	var out []string
	for _, s := range skip {
		why := "it is named in exclude_disks"
		switch s.Reason {
		case SkipIndependent:
			why = "it is in the " + s.DiskMode + " mode, which a snapshot does not cover (skip_independent_disks)"
		case SkipRDM:
			why = "it is a raw device mapping (skip_independent_disks)"
		}
		out = append(out, fmt.Sprintf("The backup of VM %s left out %s (%s, %s, %s) because %s; a restore makes it again, empty.",
			vmName, s.Label, s.Slot(), human(s.CapacityBytes), s.Source, why))
	}
	return out
}

// SkippedSummary describes each disk the backup left out, for the warnings
// of a restore that makes them again empty.
func (m *Manifest) SkippedSummary() []string {
	var out []string
	for _, s := range m.Skipped {
		out = append(out, fmt.Sprintf("%s (%s, %s), %s", s.Label, s.Slot(), human(s.CapacityBytes), s.Reason))
	}
	return out
}
