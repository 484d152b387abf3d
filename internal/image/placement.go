package image

import (
	"errors"
	"fmt"
	"strings"

	"github.com/vmware/govmomi/vim25/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/esxi"
)

// placement is where the image goes, resolved against one inventory read.
type placement struct {
	dc        esxi.Datacenter
	datastore esxi.Datastore
	folder    types.ManagedObjectReference
	pool      types.ManagedObjectReference
	host      *types.ManagedObjectReference // vCenter: the host to import on; nil lets vCenter pick
	networks  map[string]types.ManagedObjectReference
}

func lookupErr(field, what string, err error) error {
	var le *esxi.LookupError
	summary := what + " Not Found"
	if errors.As(err, &le) && le.Ambiguous() {
		summary = "Ambiguous " + what
	}
	return &FieldError{Field: field, Summary: summary, Detail: err.Error(), Err: err}
}

// resolvePlacement finds the datacenter, datastore, folder, resource pool,
// host and port groups named by s.
func resolvePlacement(snap *esxi.Snapshot, s Spec, vcenter bool) (*placement, error) {
	p := &placement{networks: map[string]types.ManagedObjectReference{}}
	dc, err := snap.FindDatacenter(s.Datacenter)
	if err != nil {
		return nil, lookupErr("datacenter", "Datacenter", err)
	}
	p.dc = dc
	if err := p.resolveDatastore(snap, s.Datastore); err != nil {
		return nil, err
	}
	p.folder = dc.VMFolder
	if s.Folder != "" {
		f, err := snap.FindFolder(s.Folder, dc.Name)
		if err != nil {
			return nil, lookupErr("folder", "Folder", err)
		}
		p.folder = f.Ref
	}
	if err := p.resolveCompute(snap, s, vcenter); err != nil {
		return nil, err
	}
	for ovfName, pg := range s.NetworkMappings {
		n, err := snap.FindNetwork(pg, dc.Name)
		if err != nil {
			return nil, lookupErr("network_mappings", "Port Group", fmt.Errorf("network_mappings[%q]: %w", ovfName, err))
		}
		p.networks[ovfName] = n.Ref
	}
	return p, nil
}

func (p *placement) resolveDatastore(snap *esxi.Snapshot, name string) error {
	if name != "" {
		ds, err := snap.FindDatastore(name, p.dc.Name)
		if err != nil {
			return lookupErr("datastore", "Datastore", err)
		}
		p.datastore = ds
		return nil
	}
	var found []esxi.Datastore
	for _, ds := range snap.Datastores {
		if ds.Datacenter == p.dc.Name {
			found = append(found, ds)
		}
	}
	if len(found) != 1 {
		names := make([]string, 0, len(found))
		for _, ds := range found {
			names = append(names, ds.Name)
		}
		return fieldErr("datastore", "Datastore Required",
			"datacenter %s has %d datastores (%s); set datastore to say which one holds the image.", p.dc.Name, len(found), strings.Join(names, ", "))
	}
	p.datastore = found[0]
	return nil
}

func (p *placement) resolveCompute(snap *esxi.Snapshot, s Spec, vcenter bool) error {
	var host *esxi.Host
	if s.Host != "" {
		h, err := snap.FindHost(s.Host, p.dc.Name)
		if err != nil {
			return lookupErr("host", "Host", err)
		}
		host = &h
		if vcenter {
			p.host = &h.Ref
		}
	}
	if s.ResourcePool != "" {
		var found []esxi.ResourcePool
		for _, rp := range snap.ResourcePools {
			if rp.Datacenter == p.dc.Name && (rp.Path == s.ResourcePool || rp.Name == s.ResourcePool) {
				found = append(found, rp)
			}
		}
		if len(found) != 1 {
			le := &esxi.LookupError{What: "resource pool", By: "name", Value: s.ResourcePool}
			for _, rp := range found {
				le.Candidates = append(le.Candidates, rp.Path)
			}
			return lookupErr("resource_pool", "Resource Pool", le)
		}
		p.pool = found[0].Ref
		return nil
	}
	if host != nil {
		for _, c := range snap.ComputeResources {
			if c.Ref == host.ComputeResource {
				p.pool = c.ResourcePool
				return nil
			}
		}
		return fieldErr("host", "Host Has No Resource Pool", "host %s belongs to no compute resource in the inventory.", host.Name)
	}
	var found []esxi.ComputeResource
	for _, c := range snap.ComputeResources {
		if c.Datacenter == p.dc.Name {
			found = append(found, c)
		}
	}
	if len(found) != 1 {
		return fieldErr("resource_pool", "Resource Pool Required",
			"datacenter %s has %d clusters or hosts; set resource_pool or host to say where the image goes.", p.dc.Name, len(found))
	}
	p.pool = found[0].ResourcePool
	return nil
}
