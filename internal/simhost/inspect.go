package simhost

import (
	"context"
	"io/fs"
	"path/filepath"
	"sort"

	"github.com/vmware/govmomi/view"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/mo"
)

// ListVMNames returns the names of every VM on the endpoint, sorted.
func ListVMNames(ctx context.Context, c *vim25.Client) ([]string, error) {
	v, err := view.NewManager(c).CreateContainerView(ctx, c.ServiceContent.RootFolder, []string{"VirtualMachine"}, true)
	if err != nil {
		return nil, err
	}
	defer func() { _ = v.Destroy(ctx) }()
	var vms []mo.VirtualMachine
	if err := v.Retrieve(ctx, []string{"VirtualMachine"}, []string{"name"}, &vms); err != nil {
		return nil, err
	}
	names := make([]string, 0, len(vms))
	for _, vm := range vms {
		names = append(names, vm.Name)
	}
	sort.Strings(names)
	return names, nil
}

// Files lists every file under the simulated datastores, relative to the
// model's folder, so tests can assert that disks were really copied and
// that nothing is left behind.
func (h *Host) Files() ([]string, error) {
	dir, err := h.Dir()
	if err != nil {
		return nil, err
	}
	var out []string
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, rel)
		}
		return nil
	})
	sort.Strings(out)
	return out, err
}
