package vm

import (
	"errors"
	"fmt"
	"strings"

	"github.com/vmware/govmomi/vim25/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/esxi"
)

// placement is where a new VM goes, resolved against one inventory read.
type placement struct {
	dc         esxi.Datacenter
	folder     types.ManagedObjectReference
	folderPath string
	pool       types.ManagedObjectReference
	host       *types.ManagedObjectReference // nil: let the host or DRS pick
	hosts      []esxi.Host                   // candidate hosts
	datastore  esxi.Datastore
}

func lookupFieldErr(field, what string, err error) *FieldError {
	var le *esxi.LookupError
	summary := what + " not found"
	if errors.As(err, &le) && le.Ambiguous() {
		summary = "Ambiguous " + strings.ToLower(what)
	}
	return &FieldError{Field: field, Index: -1, Summary: summary, Detail: err.Error(), Err: err}
}

// resolvePlacement finds the datacenter, folder, resource pool, host and
// datastore for a new VM. tmpl (may be nil) supplies defaults.
func resolvePlacement(snap *esxi.Snapshot, s *Spec, tmpl *esxi.VM, vcenter bool) (*placement, error) {
	p := &placement{}
	dcName := s.Datacenter
	if dcName == "" && tmpl != nil && vcenter {
		dcName = tmpl.Datacenter
	}
	dc, err := snap.FindDatacenter(dcName)
	if err != nil {
		return nil, lookupFieldErr("datacenter", "Datacenter", err)
	}
	p.dc = dc

	// The datacenter's own VM folder, by its real path: a datacenter may
	// sit in folders of its own on vCenter.
	p.folder, p.folderPath = dc.VMFolder, dc.Path+"/vm"
	for _, f := range snap.Folders {
		if f.Ref == dc.VMFolder {
			p.folderPath = f.Path
		}
	}
	if s.Folder != "" {
		f, err := snap.FindFolder(s.Folder, dc.Name)
		if err != nil {
			return nil, lookupFieldErr("folder", "Folder", err)
		}
		p.folder, p.folderPath = f.Ref, f.Path
	}

	if err := p.resolveCompute(snap, s, tmpl, vcenter); err != nil {
		return nil, err
	}
	if err := p.checkHosts(); err != nil {
		return nil, err
	}
	return p, p.resolveDatastore(snap, s, tmpl)
}

func (p *placement) resolveCompute(snap *esxi.Snapshot, s *Spec, tmpl *esxi.VM, vcenter bool) error {
	dc := p.dc.Name
	hostsOf := func(refs []types.ManagedObjectReference) []esxi.Host {
		var out []esxi.Host
		for _, r := range refs {
			for _, h := range snap.Hosts {
				if h.Ref == r {
					out = append(out, h)
				}
			}
		}
		return out
	}
	computeOf := func(ref types.ManagedObjectReference) (esxi.ComputeResource, bool) {
		for _, c := range snap.ComputeResources {
			if c.Ref == ref {
				return c, true
			}
		}
		return esxi.ComputeResource{}, false
	}
	var host *esxi.Host
	if s.Host != "" {
		h, err := snap.FindHost(s.Host, dc)
		if err != nil {
			return lookupFieldErr("host", "Host", err)
		}
		host = &h
		if vcenter {
			p.host = &h.Ref
		}
	}
	switch {
	case s.ResourcePool != "":
		var found []esxi.ResourcePool
		for _, rp := range snap.ResourcePools {
			if rp.Datacenter == dc && (rp.Path == s.ResourcePool || rp.Name == s.ResourcePool) {
				found = append(found, rp)
			}
		}
		if len(found) != 1 {
			le := &esxi.LookupError{What: "resource pool", By: "name", Value: s.ResourcePool}
			for _, rp := range found {
				le.Candidates = append(le.Candidates, rp.Path)
			}
			return lookupFieldErr("resource_pool", "Resource pool", le)
		}
		p.pool = found[0].Ref
		if c, ok := computeOf(found[0].Owner); ok {
			p.hosts = hostsOf(c.Hosts)
		}
	case s.Cluster != "":
		var found []esxi.ComputeResource
		for _, c := range snap.ComputeResources {
			if c.Datacenter == dc && (c.Name == s.Cluster || c.Path == s.Cluster) {
				found = append(found, c)
			}
		}
		if len(found) != 1 {
			le := &esxi.LookupError{What: "cluster", By: "name", Value: s.Cluster}
			for _, c := range found {
				le.Candidates = append(le.Candidates, c.Path)
			}
			return lookupFieldErr("cluster", "Cluster", le)
		}
		p.pool, p.hosts = found[0].ResourcePool, hostsOf(found[0].Hosts)
	case host != nil:
		c, ok := computeOf(host.ComputeResource)
		if !ok {
			return fieldErr("host", "Host has no resource pool", "host %s belongs to no compute resource in the inventory.", host.Name)
		}
		p.pool = c.ResourcePool
	case tmpl != nil && tmpl.ResourcePool.Value != "":
		p.pool = tmpl.ResourcePool
		for _, c := range snap.ComputeResources {
			if c.ResourcePool == tmpl.ResourcePool {
				p.hosts = hostsOf(c.Hosts)
			}
		}
	default:
		var found []esxi.ComputeResource
		for _, c := range snap.ComputeResources {
			if c.Datacenter == dc {
				found = append(found, c)
			}
		}
		if len(found) != 1 {
			names := make([]string, 0, len(found))
			for _, c := range found {
				names = append(names, c.Path)
			}
			return fieldErr("cluster", "Placement needed", "datacenter %s has %d clusters or hosts (%s); set cluster, resource_pool or host.",
				dc, len(found), strings.Join(names, ", "))
		}
		p.pool, p.hosts = found[0].ResourcePool, hostsOf(found[0].Hosts)
	}
	if host != nil {
		p.hosts = []esxi.Host{*host}
	}
	if len(p.hosts) == 0 && tmpl != nil && tmpl.HostRef.Value != "" {
		p.hosts = hostsOf([]types.ManagedObjectReference{tmpl.HostRef})
	}
	return nil
}

// checkHosts refuses a placement whose every host is in maintenance mode
// or disconnected: the host would refuse the VM with a less clear fault.
func (p *placement) checkHosts() error {
	if len(p.hosts) == 0 {
		return nil
	}
	var why []string
	for _, h := range p.hosts {
		switch {
		case h.InMaintenance:
			why = append(why, h.Name+" is in maintenance mode")
		case h.ConnectionState != "" && h.ConnectionState != string(types.HostSystemConnectionStateConnected):
			why = append(why, h.Name+" is "+h.ConnectionState)
		default:
			return nil
		}
	}
	kind := esxi.KindInvalidState
	hint := "Reconnect the host, or place the VM elsewhere"
	if strings.Contains(strings.Join(why, " "), "maintenance") {
		kind = esxi.KindMaintenance
		hint = "Take the host out of maintenance mode first, or place the VM on another host"
	}
	return &esxi.Error{Op: "place the VM", Kind: kind, Hint: hint, Err: errors.New(strings.Join(why, "; "))}
}

func (p *placement) resolveDatastore(snap *esxi.Snapshot, s *Spec, tmpl *esxi.VM) error {
	var ds esxi.Datastore
	var err error
	switch {
	case s.Datastore != "":
		ds, err = snap.FindDatastore(s.Datastore, p.dc.Name)
		if err != nil {
			return lookupFieldErr("datastore", "Datastore", err)
		}
	case tmpl != nil && tmpl.VMXPath != "":
		name, _ := datastoreDir(tmpl.VMXPath)
		ds, err = snap.FindDatastore(name, p.dc.Name)
		if err != nil {
			return lookupFieldErr("datastore", "Datastore", err)
		}
	default:
		seen := map[types.ManagedObjectReference]bool{}
		var found []esxi.Datastore
		for _, h := range p.hosts {
			for _, r := range h.DatastoreRefs {
				for _, d := range snap.Datastores {
					if d.Ref == r && !seen[r] && d.Accessible {
						seen[r] = true
						found = append(found, d)
					}
				}
			}
		}
		if len(found) != 1 {
			names := make([]string, 0, len(found))
			for _, d := range found {
				names = append(names, d.Name)
			}
			return fieldErr("datastore", "Datastore needed", "the host sees %d datastores (%s); set datastore.", len(found), strings.Join(names, ", "))
		}
		ds = found[0]
	}
	if !ds.Accessible {
		return fieldErr("datastore", "Datastore not accessible", "datastore %s is not accessible from its hosts; check its storage connection.", ds.Name)
	}
	if ds.Maintenance != "" && ds.Maintenance != "normal" {
		return fieldErr("datastore", "Datastore in maintenance", "datastore %s is in maintenance mode (%s); choose another datastore.", ds.Name, ds.Maintenance)
	}
	p.datastore = ds
	return nil
}

// insufficientSpace builds the plain-words error for a datastore too small
// for the disks to create or copy.
func insufficientSpace(field string, index int, ds esxi.Datastore, need int64) error {
	return &FieldError{Field: field, Index: index, Summary: "Datastore full",
		Detail: fmt.Sprintf("datastore %s has %s free but the disks to create need %s; free space or choose another datastore.",
			ds.Name, human(ds.FreeSpace), human(need)),
		Err: &esxi.Error{Op: "check free space on " + ds.Name, Kind: esxi.KindNoDiskSpace, Err: errors.New("not enough free space")}}
}

func human(b int64) string {
	const gib = 1 << 30
	if b >= gib || b <= -gib {
		return fmt.Sprintf("%.1f GiB", float64(b)/gib)
	}
	return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20))
}
