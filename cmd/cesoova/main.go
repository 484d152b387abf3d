// Command cesoova writes a small OVA shaped like Ubuntu's cloud image (one
// network, "VM Network", and the cloud-init vApp properties) with a real
// streamOptimized disk, so the demo can deploy an image without downloading
// one. It prints the OVA's SHA-256.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/esxi-commander/terraform-provider-ceso/internal/image/ovatest"
)

func main() {
	out := flag.String("o", "ubuntu-cloudimg.ova", "path of the OVA to write")
	flag.Parse()
	p, sum, err := ovatest.WriteOVA(filepath.Dir(*out), filepath.Base(*out), ovatest.CloudImage())
	if err != nil {
		fmt.Fprintln(os.Stderr, "cesoova:", err)
		os.Exit(1)
	}
	fmt.Printf("%s  %s\n", sum, p)
}
