package backup

import (
	"context"
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/vmware/govmomi/vim25/types"
	"github.com/vmware/govmomi/vmdk"
)

// sourceSizes lists the configuration files at the source just before
// they are copied, for the verification to compare with.
func (r *run) sourceSizes(ctx context.Context, configs []types.VirtualMachineFileLayoutExFileInfo) error {
	r.srcSize = map[string]int64{}
	byDir := map[Location][]string{}
	for _, f := range configs {
		l, err := ParseLocation(f.Name)
		if err != nil {
			continue
		}
		byDir[l.Parent()] = append(byDir[l.Parent()], l.Base())
	}
	for dir, names := range byDir {
		found, err := r.st.search(ctx, dir, false, names...)
		if err != nil {
			return err
		}
		for _, e := range found {
			r.srcSize[e.name] = e.size
		}
	}
	return nil
}

// finish lists the copies, verifies them if asked and writes the manifest.
func (r *run) finish(ctx context.Context) error {
	found, err := r.st.search(ctx, r.dir, false)
	if err != nil {
		return err
	}
	have := map[string]entry{}
	for _, e := range found {
		if !e.folder && e.name != ManifestName && e.name != LeaseName {
			have[e.name] = e
		}
	}
	diskOf := map[string]int{} // file name -> disk index
	for i, d := range r.manifest.Disks {
		diskOf[d.File] = i
	}
	names := make([]string, 0, len(have))
	for n := range have {
		names = append(names, n)
	}
	sort.Strings(names)
	var problems []string
	for _, n := range names {
		e := have[n]
		f := File{Name: n, Size: e.size, Kind: "other"}
		switch {
		case strings.HasSuffix(n, ".vmx"):
			f.Kind = "config"
		case strings.HasSuffix(n, ".nvram"):
			f.Kind = "nvram"
		case strings.HasSuffix(n, ".vmdk"):
			f.Kind = "disk-extent"
			if _, ok := diskOf[n]; ok {
				f.Kind = "disk"
			}
		}
		if i, ok := diskOf[n]; ok {
			r.manifest.Disks[i].SizeBytes += e.size
		} else if i, ok := extentOf(n, r.manifest.Disks); ok {
			r.manifest.Disks[i].SizeBytes += e.size
		}
		if r.spec.Verify {
			if want, ok := r.srcSize[n]; ok && want != e.size {
				problems = append(problems, fmt.Sprintf("%s has %d bytes, its source %d", n, e.size, want))
			}
			if f.Kind != "disk-extent" && f.Kind != "other" && e.size <= maxSmallFile {
				b, err := r.st.download(ctx, r.dir.Join(n))
				if err != nil {
					return fmt.Errorf("verify %s: %w", r.dir.Join(n), err)
				}
				f.SHA256 = sum(b)
				if i, ok := diskOf[n]; ok {
					problems = append(problems, checkDescriptor(b, r.manifest.Disks[i], have)...)
				}
			}
		}
		r.manifest.Files = append(r.manifest.Files, f)
		r.manifest.SizeBytes += e.size
	}
	for _, d := range r.manifest.Disks {
		if _, ok := have[d.File]; !ok {
			problems = append(problems, "the copy of "+d.Source+" ("+d.File+") is missing")
		}
	}
	for _, n := range r.configs {
		if _, ok := have[n]; !ok {
			problems = append(problems, "the copy of "+n+" is missing")
		}
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		return fmt.Errorf("the copies in %s failed verification: %s", r.dir, strings.Join(problems, "; "))
	}
	r.manifest.Verified = r.spec.Verify
	if err := r.step("verified"); err != nil {
		return err
	}
	r.manifest.Status = StatusComplete
	r.manifest.Finished = r.m.now().UTC()
	b, err := r.manifest.encode()
	if err != nil {
		return err
	}
	return r.st.upload(ctx, r.dir.Join(ManifestName), b)
}

// extentOf finds the disk an extent file ("web-flat.vmdk") belongs to.
func extentOf(name string, disks []Disk) (int, bool) {
	for i, d := range disks {
		base := strings.TrimSuffix(d.File, ".vmdk")
		if strings.HasPrefix(name, base+"-") && strings.HasSuffix(name, ".vmdk") {
			return i, true
		}
	}
	return 0, false
}

// checkDescriptor checks a copied disk's descriptor: it parses, its
// capacity is the source disk's, and its extents are there.
func checkDescriptor(b []byte, d Disk, have map[string]entry) []string {
	desc, err := vmdk.ParseDescriptor(strings.NewReader(string(b)))
	if err != nil {
		return []string{fmt.Sprintf("the descriptor %s does not parse: %v", d.File, err)}
	}
	var out []string
	if c := desc.Capacity(); c != d.CapacityBytes {
		out = append(out, fmt.Sprintf("the copy %s has a capacity of %d bytes, its source %d", d.File, c, d.CapacityBytes))
	}
	named := true
	for _, x := range desc.Extent {
		if _, ok := have[path.Base(x.Info)]; x.Info != "" && !ok {
			named = false
		}
	}
	if _, flat := have[strings.TrimSuffix(d.File, ".vmdk")+"-flat.vmdk"]; !named && !flat {
		out = append(out, "the data file of "+d.File+" is missing")
	}
	return out
}
