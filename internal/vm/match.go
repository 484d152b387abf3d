package vm

import (
	"fmt"
	"strings"

	"github.com/vmware/govmomi/vim25/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/esxi"
)

// Device matching: which of the VM's disks and adapters each declared one
// names. Identity, never position: a disk is its slot (controller family,
// bus, unit) and an adapter its MAC address. Entries that name nothing are
// matched in order to the devices no entry names only when that removes
// nothing; when fewer such entries than such devices remain, the
// configuration does not say which device goes, and matching refuses with
// the list of devices to name. Creating a VM deletes nothing (the source's
// devices are new copies), so there the order is enough.

// matchDisks resolves every declared disk to a slot: its own when it has a
// unit number, else the next disk of its family that no entry names, else
// the next free unit (a new disk). A zero slot (family "") means no unit
// is free.
func matchDisks(decl []Disk, have []diskInfo, create bool) ([]slot, error) {
	out := make([]slot, len(decl))
	bySlot := map[slot]diskInfo{}
	for _, h := range have {
		bySlot[h.slot] = h
	}
	claimed := map[slot]bool{}
	byPath := map[int]bool{} // entries resolved by their attached disk's path
	var errs []error
	for i, d := range decl {
		if !d.Attach {
			continue
		}
		for _, h := range have {
			if SamePath(h.file, d.Path) {
				out[i], byPath[i], claimed[h.slot] = h.slot, true, true
				if d.UnitNumber >= 0 && (d.UnitNumber != h.slot.unit || max(d.Bus, 0) != h.slot.bus || orDefault(d.Controller, ControllerSCSI) != h.slot.family) {
					errs = append(errs, listErr("disk", i, "unit_number", "Attached Disk Is Elsewhere",
						"%s is attached at %s bus %d unit %d; an attached disk is named by its path, and moving it to another unit is not done in place. Remove unit_number, or set it to %d (bus_number %d).",
						d.Path, h.slot.family, h.slot.bus, h.slot.unit, h.slot.unit, h.slot.bus))
				}
			}
		}
	}
	for i, d := range decl {
		if d.UnitNumber >= 0 && !byPath[i] {
			out[i] = slot{family: orDefault(d.Controller, ControllerSCSI), bus: max(d.Bus, 0), unit: d.UnitNumber}
			claimed[out[i]] = true
		}
	}
	for i, d := range decl {
		if d.UnitNumber < 0 || d.Bus >= 0 || create || byPath[i] {
			continue
		}
		// A unit number of schema version 0 counted across buses: if the
		// disk it meant is there and the unit it now means is not, the
		// entry is an old one; refuse rather than remove that disk.
		old := legacySlot(out[i].family, d.UnitNumber)
		if _, here := bySlot[out[i]]; !here && old != out[i] && !claimed[old] {
			if h, ok := bySlot[old]; ok {
				errs = append(errs, listErr("disk", i, "unit_number", "Unit Number Is Per Controller",
					"unit_number is the unit on the disk's controller, and bus_number picks the controller. The VM's disk %s at bus %d unit %d is what unit_number %d meant before: "+
						"write bus_number = %d and unit_number = %d to keep it, or bus_number = 0 to add a disk at unit %d of the first controller.",
					h.file, old.bus, old.unit, d.UnitNumber, old.bus, old.unit, d.UnitNumber))
			}
		}
	}
	for _, fam := range []string{ControllerSCSI, ControllerSATA, ControllerNVMe, ControllerIDE} {
		var unnamed, newAttached []int
		for i, d := range decl {
			switch {
			case d.UnitNumber >= 0 || byPath[i] || orDefault(d.Controller, ControllerSCSI) != fam:
			case d.Attach: // a disk the VM does not have yet: never an existing one
				newAttached = append(newAttached, i)
			default:
				unnamed = append(unnamed, i)
			}
		}
		var free []diskInfo
		for _, h := range have { // sorted by slot
			if h.slot.family == fam && !claimed[h.slot] && !h.outside {
				free = append(free, h)
			}
		}
		if len(unnamed) > 0 && len(unnamed) < len(free) && !create {
			errs = append(errs, ambiguousDisks(unnamed, free))
			continue
		}
		for k, i := range unnamed {
			if k < len(free) {
				out[i] = free[k].slot
			} else {
				out[i] = nextFreeUnit(fam, bySlot, claimed)
			}
			claimed[out[i]] = true
		}
		for _, i := range newAttached {
			out[i] = nextFreeUnit(fam, bySlot, claimed)
			claimed[out[i]] = true
		}
	}
	if len(errs) > 0 {
		return nil, joinErrs(errs)
	}
	return out, nil
}

// nextFreeUnit is the first unit of the family that holds no disk, bus by
// bus, within the 16 units every controller type has (ceso never picks a
// wide PVSCSI unit by itself: the VM might not support it).
func nextFreeUnit(fam string, used map[slot]diskInfo, claimed map[slot]bool) slot {
	f := families[fam]
	for bus := int32(0); bus < f.maxBuses; bus++ {
		for unit := int32(0); unit < f.perBus; unit++ {
			sl := slot{family: fam, bus: bus, unit: unit}
			if _, taken := used[sl]; unit != f.reserved && !taken && !claimed[sl] {
				return sl
			}
		}
	}
	return slot{}
}

func ambiguousDisks(unnamed []int, free []diskInfo) error {
	var list []string
	for _, h := range free {
		list = append(list, fmt.Sprintf("bus %d unit %d: %s, %d GiB", h.slot.bus, h.slot.unit, h.file, sizeGiB(h.capacityKB)))
	}
	return listErr("disk", unnamed[0], "unit_number", "Which Disk To Remove Is Ambiguous",
		"%d disk blocks without unit_number remain for %d %s disks of the VM that no block names, so ceso cannot tell which to remove. "+
			"Set unit_number (and bus_number for a disk not on bus 0) on every disk block to the disk it describes; the disk no block names is removed, its files deleted unless keep_on_remove is set. "+
			"The VM's disks not named yet: %s.",
		len(unnamed), len(free), free[0].slot.family, strings.Join(list, "; "))
}

// resolveUnits gives every declared disk of a VM being created a slot
// (create matches the source's disks in order; see matchDisks).
func resolveUnits(decl []Disk, existing []diskInfo, _ bool) []slot {
	out, err := matchDisks(decl, existing, true)
	if err != nil { // create mode refuses nothing; keep every entry new
		out = make([]slot, len(decl))
	}
	return out
}

// matchNICs resolves every declared adapter to the index of the VM's
// adapter it names, or -1 for a new one.
func matchNICs(decl []NIC, have []types.BaseVirtualDevice, create bool) ([]int, error) {
	out := make([]int, len(decl))
	byMAC := map[string]int{}
	for j, h := range have {
		byMAC[normMAC(card(h).MacAddress)] = j
	}
	claimed := map[int]bool{}
	var errs []error
	for i, n := range decl {
		out[i] = -1
		if n.MAC == "" {
			continue
		}
		j, ok := byMAC[normMAC(n.MAC)]
		switch {
		case ok && claimed[j]:
			errs = append(errs, listErr("network_interface", i, "mac_address", "Duplicate MAC Address", "two network_interface blocks name the adapter with MAC %s; give each block its own adapter's address.", n.MAC))
		case ok:
			out[i], claimed[j] = j, true
		case validStaticMAC(n.MAC) != nil:
			errs = append(errs, listErr("network_interface", i, "mac_address", "No Adapter With This MAC",
				"the VM has no adapter with MAC %s, and an address outside VMware's static range (00:50:56:00:00:00 to 00:50:56:3f:ff:ff) can only name an existing adapter. "+
					"Use the address of one of the VM's adapters (see mac_addresses), a static address, or no mac_address for a new adapter.", n.MAC))
		}
	}
	var unnamed, free []int
	for i, n := range decl {
		if out[i] < 0 && (n.MAC == "" || validStaticMAC(n.MAC) == nil) {
			unnamed = append(unnamed, i)
		}
	}
	for j := range have {
		if !claimed[j] {
			free = append(free, j)
		}
	}
	if len(unnamed) > 0 && len(unnamed) < len(free) && !create {
		var list []string
		for _, j := range free {
			list = append(list, fmt.Sprintf("%s (%s)", card(have[j]).MacAddress, esxi.AdapterType(have[j])))
		}
		errs = append(errs, listErr("network_interface", unnamed[0], "mac_address", "Which Adapter To Remove Is Ambiguous",
			"%d network_interface blocks without a matching mac_address remain for %d adapters of the VM that no block names, so ceso cannot tell which to remove. "+
				"Set mac_address on every network_interface block to the address of the adapter it describes (the mac_addresses attribute lists them); the adapter no block names is removed. "+
				"The VM's adapters not named yet: %s.", len(unnamed), len(free), strings.Join(list, ", ")))
	}
	if len(errs) > 0 {
		return nil, joinErrs(errs)
	}
	for k, i := range unnamed {
		if k < len(free) {
			out[i] = free[k]
		}
	}
	return out, nil
}
