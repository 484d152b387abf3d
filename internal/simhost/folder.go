package simhost

import (
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/vmware/govmomi/simulator"
)

// A real ESXi host's datastore HTTP access (/folder) writes a file into a
// folder that exists and does not create missing parent folders: a PUT
// into one is answered 404 Not Found, and govmomi's Datastore.Upload
// returns that status as its error ("404 Not Found"). Clients make the
// folder first with FileManager.MakeDirectory (govc datastore.mkdir, then
// datastore.upload). The simulator's /folder handler creates every missing
// parent (os.MkdirAll), so a client that forgot the folder would pass
// there and fail on a real host. folderRule serves PUT and POST to /folder
// itself and refuses one whose parent folder is missing, before the
// simulator's handler runs.
func (h *Host) installFolderRule(m *simulator.Model) {
	if m.Service.ServeMux == nil {
		m.Service.ServeMux = http.NewServeMux()
	}
	// More specific than the simulator's "/folder/" pattern (registered
	// later, by NewServer), so these win for their methods.
	for _, method := range []string{http.MethodPut, http.MethodPost} {
		m.Service.ServeMux.HandleFunc(method+" /folder/", h.strictUpload)
	}
	// Downloads are counted, so a test can show that a read did not fetch
	// a file's content.
	m.Service.ServeMux.HandleFunc(http.MethodGet+" /folder/", func(w http.ResponseWriter, r *http.Request) {
		h.downloads.Add(1)
		h.Model.Service.ServeDatastore(w, r)
	})
}

// FolderDownloads is the number of /folder GET requests served so far.
func (h *Host) FolderDownloads() int64 { return h.downloads.Load() }

func (h *Host) strictUpload(w http.ResponseWriter, r *http.Request) {
	if dir, ok := h.uploadDir(r); ok {
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			http.Error(w, "Not Found: the parent folder does not exist; make it first (FileManager.MakeDirectory)", http.StatusNotFound)
			return
		}
	}
	h.Model.Service.ServeDatastore(w, r)
}

// uploadDir returns the local folder a /folder upload writes into; false
// when the rule does not apply (an unknown datastore, which the simulator
// answers itself, or vSAN, whose friendly folder names the simulator
// translates on the way).
func (h *Host) uploadDir(r *http.Request) (string, bool) {
	rel := strings.TrimPrefix(r.URL.Path, "/folder/")
	if strings.Contains(rel, "..") || rel == "" {
		return "", false
	}
	name := r.URL.Query().Get("dsName")
	for _, ref := range h.Model.Map().All("Datastore") {
		ds, ok := ref.(*simulator.Datastore)
		if !ok || ds.Name != name {
			continue
		}
		var typ, root string
		h.Model.Map().WithLock(h.Model.Service.Context, ds, func() { typ, root = ds.Summary.Type, ds.Summary.Url })
		if strings.EqualFold(typ, "vsan") {
			return "", false
		}
		return filepath.Dir(filepath.Join(root, filepath.FromSlash(path.Clean(rel)))), true
	}
	return "", false
}
