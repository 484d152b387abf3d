package esxi

import (
	"strings"
	"testing"
)

// A name that is not found comes back with the closest names and the data
// source that lists them all.
func TestLookupSuggestions(t *testing.T) {
	t.Parallel()
	s := &Snapshot{
		VMs:        []VM{{Name: "ubuntu-24.04-template", Path: "/dc/vm/ubuntu-24.04-template", Datacenter: "dc"}, {Name: "web-1", Path: "/dc/vm/web-1", Datacenter: "dc"}},
		Datastores: []Datastore{{Name: "datastore1", Path: "/dc/datastore/datastore1", Datacenter: "dc"}, {Name: "backup01", Path: "/dc/datastore/backup01", Datacenter: "dc"}},
		Networks:   []Network{{Name: "VM Network", Path: "/dc/network/VM Network", Datacenter: "dc"}, {Name: "DMZ", Path: "/dc/network/DMZ", Datacenter: "other"}},
		Hosts:      []Host{{Name: "esxi01.example.com", Path: "/dc/host/esxi01.example.com", Datacenter: "dc"}},
		Folders:    []Folder{{Name: "web", Path: "/dc/vm/web", Datacenter: "dc"}, {Name: "db", Path: "/dc/vm/db", Datacenter: "dc"}},
	}
	for name, tc := range map[string]struct {
		find func() error
		want []string
	}{
		"VM by name": {func() error { _, err := s.FindVM("name", "ubuntu-24.04-templat", ""); return err },
			[]string{`Did you mean "ubuntu-24.04-template"?`, "ceso_vms data source"}},
		"VM by path": {func() error { _, err := s.FindVM("path", "/dc/vm/web-2", ""); return err },
			[]string{`Did you mean "/dc/vm/web-1"?`}},
		"datastore": {func() error { _, err := s.FindDatastore("datastor1", "dc"); return err },
			[]string{`Did you mean "datastore1"?`, "ceso_datastores data source"}},
		"network": {func() error { _, err := s.FindNetwork("VM Netwerk", "dc"); return err },
			[]string{`no network with name "VM Netwerk" exists. Did you mean "VM Network"? List them all with the ceso_networks data source.`}},
		"host": {func() error { _, err := s.FindHost("esxi1.example.com", "dc"); return err },
			[]string{`Did you mean "esxi01.example.com"?`}},
		"folder, relative": {func() error { _, err := s.FindFolder("webb", "dc"); return err },
			[]string{`Did you mean "web"? Check the path in the vSphere client.`}},
		"nothing close": {func() error { _, err := s.FindNetwork("storage", "dc"); return err },
			[]string{`no network with name "storage" exists; list them all with the ceso_networks data source`}},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			err := tc.find()
			if err == nil {
				t.Fatal("found something")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
	// Names of another datacenter are not offered.
	if _, err := s.FindNetwork("DMZ1", "dc"); err == nil || strings.Contains(err.Error(), "Did you mean") {
		t.Errorf("suggested a network of another datacenter: %v", err)
	}
}
