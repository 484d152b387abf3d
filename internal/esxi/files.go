package esxi

import (
	"context"
	"strings"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/types"
)

// namespaced reports whether a datastore keeps its top-level folders as
// namespace objects (vSAN, vVol): there FileManager.MakeDirectory cannot
// make a top-level folder, DatastoreNamespaceManager.CreateDirectory can.
func namespaced(ds Datastore) bool {
	t := strings.ToLower(ds.Type)
	return t == "vsan" || t == "vvol"
}

// MakeDirectory makes the folder path ("a/b/c", no datastore) on ds with
// its parents; an existing folder is fine. On vSAN and vVol datastores the
// top-level folder is made through the DatastoreNamespaceManager first.
func MakeDirectory(ctx context.Context, s *Session, dc types.ManagedObjectReference, ds Datastore, path string) error {
	path = strings.Trim(path, "/")
	full := "[" + ds.Name + "] " + path
	if namespaced(ds) && s.Client.ServiceContent.DatastoreNamespaceManager != nil {
		top, _, _ := strings.Cut(path, "/")
		_, err := methods.CreateDirectory(ctx, s.Client, &types.CreateDirectory{
			This: *s.Client.ServiceContent.DatastoreNamespaceManager, Datastore: ds.Ref, DisplayName: top})
		if err != nil {
			if k := KindOf(Wrap("", err)); k != KindDuplicateName {
				return Wrap("make the top-level folder "+top+" on "+ds.Type+" datastore "+ds.Name, err)
			}
		}
		if top == path {
			return nil
		}
	}
	err := object.NewFileManager(s.Client).MakeDirectory(ctx, full, object.NewDatacenter(s.Client, dc), true)
	if err != nil && KindOf(Wrap("", err)) != KindDuplicateName {
		return Wrap("make folder "+full, err)
	}
	return nil
}
