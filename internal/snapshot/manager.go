package snapshot

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/vmware/govmomi/vim25/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/esxi"
)

// API is what the Terraform glue needs from this package; *Manager
// implements it.
type API interface {
	VMName(ctx context.Context, vmUUID string) (string, error)
	Read(ctx context.Context, vmUUID string, id int32) (*State, error)
	Find(ctx context.Context, importID string) (*State, error)
	Create(ctx context.Context, spec Spec) (*Result, error)
	Rename(ctx context.Context, vmUUID string, id int32, name, description string) error
	Revert(ctx context.Context, vmUUID string, id int32) error
	Delete(ctx context.Context, vmUUID string, id int32) error
}

var _ API = (*Manager)(nil)

// Spec is the snapshot to take.
type Spec struct {
	VM          string // instance UUID of the VM
	Name        string
	Description string
	Memory      bool // include the VM's memory (a revert returns it running)
	Quiesce     bool // quiesce the guest's file systems through VMware Tools
}

// State is one snapshot as it is on the host.
type State struct {
	VMUUID string
	VMName string
	Node
}

// Result is what Create made, with warnings for the user.
type Result struct {
	State    *State
	Warnings []string
}

// Manager runs snapshot operations against one endpoint; it is safe for
// concurrent use.
type Manager struct{ client *esxi.Client }

// New returns a Manager over a connected client.
func New(c *esxi.Client) *Manager { return &Manager{client: c} }

// vm finds a VM by instance UUID in the shared read (a fresh one for the
// decisions of a write).
func (m *Manager) vm(ctx context.Context, uuid string, fresh bool) (esxi.VM, error) {
	if fresh {
		m.client.Inventory.Invalidate()
	}
	snap, err := m.client.Inventory.Get(ctx)
	if err != nil {
		return esxi.VM{}, err
	}
	v, err := snap.FindVM("uuid", uuid, "")
	if esxi.IsNotFound(err) {
		return esxi.VM{}, &NotFoundError{What: "VM " + uuid}
	}
	return v, err
}

// VMName returns the name of the VM with the instance UUID.
func (m *Manager) VMName(ctx context.Context, vmUUID string) (string, error) {
	v, err := m.vm(ctx, vmUUID, false)
	if err != nil {
		return "", &FieldError{Field: "vm", Summary: "Cannot Find VM", Err: err,
			Detail: fmt.Sprintf("%v. Set vm to the instance UUID of an existing VM, e.g. ceso_vm.web.id.", err)}
	}
	return v.Name, nil
}

// node finds the snapshot with tree id id of the VM.
func (m *Manager) node(ctx context.Context, vmUUID string, id int32, fresh bool) (esxi.VM, Node, error) {
	v, err := m.vm(ctx, vmUUID, fresh)
	if err != nil {
		return v, Node{}, err
	}
	n, ok := byID(Flatten(v.Snapshots), id)
	if !ok {
		return v, Node{}, &NotFoundError{What: fmt.Sprintf("snapshot %d of VM %s", id, v.Name)}
	}
	return v, n, nil
}

// Read returns the snapshot as it is on the host, from the shared read.
func (m *Manager) Read(ctx context.Context, vmUUID string, id int32) (*State, error) {
	v, n, err := m.node(ctx, vmUUID, id, false)
	if err != nil {
		return nil, err
	}
	return &State{VMUUID: v.UUID, VMName: v.Name, Node: n}, nil
}

// Find resolves an import id, "<VM>/<snapshot>": the VM by instance UUID,
// inventory path or unique name, the snapshot by its id in the VM's tree
// or its unique name.
func (m *Manager) Find(ctx context.Context, importID string) (*State, error) {
	i := strings.LastIndex(importID, "/")
	if i <= 0 || i == len(importID)-1 {
		return nil, fmt.Errorf("import id %q is not <VM>/<snapshot>: give the VM's instance UUID, inventory path or name, a slash, and the snapshot's id or unique name, e.g. 4210c1b2-.../1", importID)
	}
	vmRef, snapRef := importID[:i], importID[i+1:]
	snap, err := m.client.Inventory.Get(ctx)
	if err != nil {
		return nil, err
	}
	var v esxi.VM
	for _, by := range []string{"uuid", "path", "name"} {
		if v, err = snap.FindVM(by, vmRef, ""); err == nil || !esxi.IsNotFound(err) {
			break
		}
	}
	if err != nil {
		return nil, err
	}
	nodes := Flatten(v.Snapshots)
	if id, perr := strconv.ParseInt(snapRef, 10, 32); perr == nil {
		if n, ok := byID(nodes, int32(id)); ok {
			return &State{VMUUID: v.UUID, VMName: v.Name, Node: n}, nil
		}
	}
	switch found := byName(nodes, snapRef); len(found) {
	case 1:
		return &State{VMUUID: v.UUID, VMName: v.Name, Node: found[0]}, nil
	case 0:
		return nil, &NotFoundError{What: fmt.Sprintf("snapshot %q of VM %s (snapshots: %s)", snapRef, v.Name, describe(nodes))}
	default:
		return nil, fmt.Errorf("VM %s has %d snapshots named %q (%s): import one by its id instead", v.Name, len(found), snapRef, describe(found))
	}
}

// describe lists snapshots as "id name" for messages.
func describe(nodes []Node) string {
	if len(nodes) == 0 {
		return "none"
	}
	parts := make([]string, 0, len(nodes))
	for _, n := range nodes {
		parts = append(parts, fmt.Sprintf("%d %q", n.ID, n.Name))
	}
	return strings.Join(parts, ", ")
}

// toolsRunning reports whether VMware Tools run in the VM's guest, which a
// quiesced snapshot needs.
func toolsRunning(v esxi.VM) bool {
	return v.ToolsRunning == string(types.VirtualMachineToolsRunningStatusGuestToolsRunning)
}
