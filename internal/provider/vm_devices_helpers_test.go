package provider_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/vmware/govmomi/vim25/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/acctest"
)

// hostDisk is one disk as the host reports it, to compare across steps.
type hostDisk struct {
	Key  int32
	Bus  int32 // bus number of its controller
	Unit int32
	File string
	KB   int64
}

func (d hostDisk) String() string {
	return fmt.Sprintf("%d:%d %s %d KiB", d.Bus, d.Unit, d.File, d.KB)
}

// hostDisks reads a VM's disks from the host, sorted by bus and unit.
func hostDisks(h *acctest.Host, name string) []hostDisk {
	v := h.VM(context.Background(), name)
	bus := map[int32]int32{}
	for _, d := range v.Config.Hardware.Device {
		if c, ok := d.(types.BaseVirtualSCSIController); ok {
			bus[d.GetVirtualDevice().Key] = c.GetVirtualSCSIController().BusNumber
		}
	}
	var out []hostDisk
	for _, d := range v.Config.Hardware.Device {
		vd, ok := d.(*types.VirtualDisk)
		if !ok {
			continue
		}
		hd := hostDisk{Key: vd.Key, Bus: bus[vd.ControllerKey], KB: vd.CapacityInKB}
		if vd.UnitNumber != nil {
			hd.Unit = *vd.UnitNumber
		}
		if fb, ok := vd.Backing.(types.BaseVirtualDeviceFileBackingInfo); ok {
			hd.File = fb.GetVirtualDeviceFileBackingInfo().FileName
		}
		out = append(out, hd)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Bus != out[j].Bus {
			return out[i].Bus < out[j].Bus
		}
		return out[i].Unit < out[j].Unit
	})
	return out
}

// sameDisks fails unless the host has exactly the disks want (same device,
// file and size), which is how a removal proves it kept the others intact.
func sameDisks(h *acctest.Host, name string, want []hostDisk) error {
	got := hostDisks(h, name)
	if fmt.Sprint(got) != fmt.Sprint(want) {
		return fmt.Errorf("host disks of %s:\n got  %v\n want %v", name, got, want)
	}
	return nil
}

// fileGone fails when a datastore path ("[ds] dir/file.vmdk") still exists.
func fileGone(h *acctest.Host, dsPath string) error {
	files, err := h.Files()
	if err != nil {
		return err
	}
	rel := dsPath[strings.Index(dsPath, "] ")+2:]
	for _, f := range files {
		if strings.HasSuffix(f, "/"+rel) {
			return fmt.Errorf("the removed disk's file %s is still on the datastore", dsPath)
		}
	}
	return nil
}

// hostNIC is one network adapter as the host reports it.
type hostNIC struct {
	Key  int32
	Type string
	MAC  string
}

func hostNICs(h *acctest.Host, name string) []hostNIC {
	v := h.VM(context.Background(), name)
	var out []hostNIC
	for _, d := range v.Config.Hardware.Device {
		c, ok := d.(types.BaseVirtualEthernetCard)
		if !ok {
			continue
		}
		out = append(out, hostNIC{Key: d.GetVirtualDevice().Key, Type: fmt.Sprintf("%T", d), MAC: c.GetVirtualEthernetCard().MacAddress})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

// lateString is a configuration variable whose value is known only when a
// step runs (a MAC address the host generated in an earlier step): the test
// framework marshals variables when it writes the step's files.
type lateString struct{ v *string }

func (l lateString) MarshalJSON() ([]byte, error) { return json.Marshal(*l.v) }
