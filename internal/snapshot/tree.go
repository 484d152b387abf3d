package snapshot

import (
	"time"

	"github.com/vmware/govmomi/vim25/types"
)

// Node is one snapshot of a VM's tree, flattened.
type Node struct {
	ID          int32  // id in the VM's snapshot tree
	Ref         string // managed object id of the snapshot
	Name        string
	Description string
	Created     time.Time
	// PowerState is the VM's power state the snapshot returns it to:
	// poweredOn only for a snapshot with memory.
	PowerState string
	Quiesced   bool
	ParentID   int32 // 0 for a root snapshot
	Current    bool  // the VM runs on top of this snapshot
	Depth      int   // 0 for a root snapshot
}

// Memory reports whether the snapshot holds the VM's memory (a revert
// then returns the VM running).
func (n Node) Memory() bool {
	return n.PowerState == string(types.VirtualMachinePowerStatePoweredOn)
}

// Flatten lists a VM's snapshots depth first, parents before children, in
// the order the host reports them; nil info gives none.
func Flatten(info *types.VirtualMachineSnapshotInfo) []Node {
	if info == nil {
		return nil
	}
	var current string
	if info.CurrentSnapshot != nil {
		current = info.CurrentSnapshot.Value
	}
	var out []Node
	var walk func(ts []types.VirtualMachineSnapshotTree, parent int32, depth int)
	walk = func(ts []types.VirtualMachineSnapshotTree, parent int32, depth int) {
		for _, t := range ts {
			out = append(out, Node{
				ID: t.Id, Ref: t.Snapshot.Value, Name: t.Name, Description: t.Description,
				Created: t.CreateTime.UTC(), PowerState: string(t.State), Quiesced: t.Quiesced,
				ParentID: parent, Current: t.Snapshot.Value == current, Depth: depth,
			})
			walk(t.ChildSnapshotList, t.Id, depth+1)
		}
	}
	walk(info.RootSnapshotList, 0, 0)
	return out
}

// byID returns the node with the tree id.
func byID(nodes []Node, id int32) (Node, bool) {
	for _, n := range nodes {
		if n.ID == id {
			return n, true
		}
	}
	return Node{}, false
}

// byName returns the nodes named name.
func byName(nodes []Node, name string) []Node {
	var out []Node
	for _, n := range nodes {
		if n.Name == name {
			out = append(out, n)
		}
	}
	return out
}
