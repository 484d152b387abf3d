package vm

import (
	"context"
	"net"
	"regexp"
	"strings"

	"github.com/vmware/govmomi/vim25/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/esxi"
)

// Read returns the VM with the instance UUID from the shared, batched
// inventory read (no per-VM call). A VM that is gone gives a
// *NotFoundError (IsNotFound), so the resource can drop it from state.
func (m *Manager) Read(ctx context.Context, uuid string, ro ReadOptions) (*VMState, error) {
	snap, err := m.snapshot(ctx)
	if err != nil {
		return nil, err
	}
	v, err := findByUUID(snap, uuid)
	if err != nil {
		return nil, err
	}
	st := stateOf(snap, v, ro.Keys)
	spell(snap, v, st, ro)
	return st, nil
}

// spell keeps the configuration's spelling of the VM's folder, datastore
// and host where it names the same object (see ReadOptions).
func spell(snap *esxi.Snapshot, v *esxi.VM, st *VMState, ro ReadOptions) {
	if ro.Folder != "" && ro.Folder != st.Folder {
		if f, err := snap.FindFolder(ro.Folder, v.Datacenter); err == nil && f.Path == v.Folder {
			st.Folder = ro.Folder
		}
	}
	if ro.Datastore != "" && ro.Datastore != st.Datastore {
		if ds, err := snap.FindDatastore(ro.Datastore, v.Datacenter); err == nil && ds.Name == st.Datastore {
			st.Datastore = ro.Datastore
		}
	}
	if ro.Host != "" && ro.Host != st.Host {
		if h, err := snap.FindHost(ro.Host, v.Datacenter); err == nil && h.Ref == v.HostRef {
			st.Host = ro.Host
		}
	}
}

// spelling is the ReadOptions that keep a spec's spellings.
func spelling(s *Spec) ReadOptions {
	return ReadOptions{Folder: s.Folder, Datastore: s.Datastore, Host: s.Host}
}

var (
	uuidPattern = regexp.MustCompile(`^(?i)[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	moidPattern = regexp.MustCompile(`^(vm-\d+|\d+)$`)
)

// Lookup resolves an import id: an instance or BIOS UUID, an inventory
// path ("/dc/vm/folder/name"), a managed object id ("vm-42", "moid:vm-42")
// or a name (which must be unique).
func (m *Manager) Lookup(ctx context.Context, id string, ro ReadOptions) (*VMState, error) {
	snap, err := m.snapshot(ctx)
	if err != nil {
		return nil, err
	}
	v, err := resolveVM(snap, id, "")
	if err != nil {
		return nil, err
	}
	return stateOf(snap, v, ro.Keys), nil
}

// ByOf says how resolveVM reads an id: uuid, path, moid or name.
func ByOf(id string) (by, value string) {
	switch {
	case uuidPattern.MatchString(id):
		return "uuid", id
	case strings.HasPrefix(id, "/"):
		return "path", id
	case strings.HasPrefix(id, "moid:"):
		return "moid", strings.TrimPrefix(id, "moid:")
	case moidPattern.MatchString(id):
		return "moid", id
	}
	return "name", id
}

func resolveVM(snap *esxi.Snapshot, id, datacenter string) (*esxi.VM, error) {
	by, value := ByOf(id)
	v, err := snap.FindVM(by, value, datacenter)
	if esxi.IsNotFound(err) && (by == "moid" || by == "uuid") {
		// A name that looks like an id ("vm-42", or a UUID).
		v2, err2 := snap.FindVM("name", id, datacenter)
		if err2 == nil {
			return &v2, nil
		}
		if !esxi.IsNotFound(err2) {
			err = err2 // several VMs of that name: say so, not "no such id"
		}
	}
	if err != nil {
		if esxi.IsNotFound(err) {
			return nil, &NotFoundError{By: by, Value: value}
		}
		return nil, err
	}
	return &v, nil
}

func powerWord(s string) string {
	switch s {
	case string(types.VirtualMachinePowerStatePoweredOn):
		return PowerOn
	case string(types.VirtualMachinePowerStatePoweredOff):
		return PowerOff
	case string(types.VirtualMachinePowerStateSuspended):
		return PowerSuspended
	}
	return s
}

// stateOf converts the inventory's VM into what the resource shows.
func stateOf(snap *esxi.Snapshot, v *esxi.VM, keys []string) *VMState {
	st := &VMState{
		UUID: v.UUID, BIOSUUID: v.BIOSUUID, MOID: v.Ref.Value, Name: v.Name, Path: v.Path, Folder: v.Folder,
		Datacenter: v.Datacenter, Host: v.Host, VMXPath: v.VMXPath,
		Power: powerWord(v.PowerState), CPUs: v.CPUs, CoresPerSocket: v.CoresPerSocket, MemoryMB: int64(v.MemoryMB),
		CPUHotAdd: v.CPUHotAdd, MemoryHotAdd: v.MemoryHotAdd, GuestID: v.GuestID, GuestFullName: v.GuestFullName,
		NestedHV: v.NestedHV, SecureBoot: v.SecureBoot, Notes: v.Annotation, DiskEnableUUID: isTrue(v.ExtraConfig[KeyDiskEnableUUID]),
		Firmware: v.Firmware, HardwareVersion: hwVersion(v.HWVersion),
		IPAddresses: append([]string(nil), v.IPAddresses...), DefaultIP: v.PrimaryIP,
		ToolsStatus: v.ToolsStatus, ToolsRunning: v.ToolsRunning == string(types.VirtualMachineToolsRunningStatusGuestToolsRunning),
		GuestInfo: map[string]string{}, ExtraConfig: map[string]string{},
		IsTemplate: isTemplate(v), Managed: isManaged(v), MarkerState: v.ExtraConfig[KeyState], CreateID: v.ExtraConfig[KeyCreateID],
		HasSnapshot: v.HasSnapshots,
	}
	st.Datastore, _ = datastoreDir(v.VMXPath)
	if st.DefaultIP == "" {
		for _, ip := range v.IPAddresses {
			if usableIP(ip) {
				st.DefaultIP = ip
				break
			}
		}
	}
	kept := keptSlots(v.ExtraConfig)
	_, vmDir := datastoreDir(v.VMXPath)
	for _, d := range disks(v.Devices) {
		st.Disks = append(st.Disks, diskStateOf(d, kept[d.slot], vmDir))
	}
	for _, c := range nics(v.Devices) {
		st.NICs = append(st.NICs, nicStateOf(snap, c))
	}
	for _, d := range v.Devices {
		if c := esxi.ControllerFamily(d); c == ControllerSCSI && st.SCSIType == "" {
			st.SCSIType = esxi.SCSIType(d)
		}
	}
	passthroughState(v, st)
	for _, c := range cdroms(v.Devices) {
		st.HasCDROM = true
		if iso := isoOf(c); iso != "" && st.CDROM == "" {
			st.CDROM = iso
		}
	}
	report := func(k string) {
		val, ok := v.ExtraConfig[k]
		if !ok {
			return
		}
		if strings.HasPrefix(k, "guestinfo.") {
			st.GuestInfo[k] = val
		} else {
			st.ExtraConfig[k] = val
		}
	}
	for _, k := range splitList(v.ExtraConfig[KeyManagedKeys]) {
		report(k)
	}
	for _, k := range keys {
		report(k)
	}
	return st
}

// usableIP reports whether ip is an address a user would connect to: not
// loopback, not link-local, not unspecified.
func usableIP(s string) bool {
	ip := net.ParseIP(s)
	return ip != nil && !ip.IsLoopback() && !ip.IsLinkLocalUnicast() && !ip.IsUnspecified() && !ip.IsMulticast()
}

func diskStateOf(d diskInfo, kept bool, vmDir string) DiskState {
	return DiskState{
		Label: d.label, Key: d.dev.Key, Controller: d.slot.family, UnitNumber: d.slot.unit, Bus: d.slot.bus, Unit: d.slot.unit,
		SizeGiB: sizeGiB(d.capacityKB), CapacityKB: d.capacityKB, Provisioning: d.provisioning(), Thin: d.thin,
		Datastore: d.datastore, Path: d.file, KeepOnRemove: kept, Attached: outsideFolder(vmDir, d.file),
	}
}

func nicStateOf(snap *esxi.Snapshot, c types.BaseVirtualDevice) NICState {
	cc := card(c)
	n := NICState{Key: cc.Key, Network: networkName(snap, c), AdapterType: esxi.AdapterType(c), MAC: cc.MacAddress,
		StaticMAC: cc.AddressType == string(types.VirtualEthernetCardMacTypeManual)}
	if cn := cc.Connectable; cn != nil {
		n.Connected = cn.Connected
	}
	return n
}
