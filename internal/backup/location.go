package backup

import (
	"path"
	"strings"

	"github.com/vmware/govmomi/object"
)

// Location is a folder on a datastore: a destination ("[ds] backups") or a
// backup's own folder ("[ds] backups/web01/<id>").
type Location struct {
	Datastore string
	Folder    string // without leading or trailing slash; "" is the datastore's root
}

// ParseLocation reads "[datastore] folder/sub" (the folder may be empty).
func ParseLocation(s string) (Location, error) {
	var p object.DatastorePath
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "[") || !p.FromString(s) || strings.TrimSpace(p.Datastore) == "" {
		return Location{}, fieldErr("destination", "Invalid Destination",
			"%q is not a datastore folder; write it as \"[datastore] folder\", e.g. \"[backup01] ceso\".", s)
	}
	folder := strings.Trim(p.Path, "/")
	for _, part := range strings.Split(folder, "/") {
		if part == ".." || part == "." {
			return Location{}, fieldErr("destination", "Invalid Destination", "%q must not contain . or .. folders.", s)
		}
	}
	return Location{Datastore: p.Datastore, Folder: folder}, nil
}

// String renders the location as a datastore path.
func (l Location) String() string {
	if l.Folder == "" {
		return "[" + l.Datastore + "]"
	}
	return "[" + l.Datastore + "] " + l.Folder
}

// Join returns the location of a sub-folder or file.
func (l Location) Join(elem ...string) Location {
	return Location{Datastore: l.Datastore, Folder: strings.Trim(path.Join(append([]string{l.Folder}, elem...)...), "/")}
}

// Base is the last element of the folder.
func (l Location) Base() string { return path.Base(l.Folder) }

// Parent is the folder holding this one.
func (l Location) Parent() Location {
	d := path.Dir(l.Folder)
	if d == "." {
		d = ""
	}
	return Location{Datastore: l.Datastore, Folder: d}
}

// folderName turns a VM name into a folder name: characters that datastore
// paths or the /folder interface treat specially become "_".
func folderName(vmName string) string {
	var b strings.Builder
	for _, r := range vmName {
		switch {
		case r < 0x20 || r == 0x7f, strings.ContainsRune(`/\[]"*?<>|:%#`, r):
			b.WriteByte('_')
		default:
			b.WriteRune(r)
		}
	}
	s := strings.Trim(b.String(), " .")
	if s == "" {
		s = "_"
	}
	return s
}

// backupDir locates the folder of backup id of a VM under a destination.
func backupDir(dest Location, vmName, id string) Location {
	return dest.Join(folderName(vmName), id)
}

// parseDir reads a backup folder or manifest path given by a user.
func parseDir(s string) (Location, error) {
	l, err := ParseLocation(s)
	if err != nil {
		return Location{}, fieldErr("backup", "Invalid Backup Reference",
			"%q is neither a backup id (like 20261125T221500Z-3f9a) nor the datastore path of a backup's folder or manifest.", s)
	}
	if path.Base(l.Folder) == ManifestName {
		l = l.Parent()
	}
	if !ValidID(l.Base()) {
		return Location{}, fieldErr("backup", "Invalid Backup Reference",
			"%q is not a backup's folder: its last folder should be a backup id like 20261125T221500Z-3f9a.", s)
	}
	return l, nil
}
