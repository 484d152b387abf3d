package cloudinit_test

import (
	"errors"
	"fmt"

	"github.com/esxi-commander/terraform-provider-ceso/internal/cloudinit"
)

func ExampleRender() {
	p, err := cloudinit.Render(cloudinit.Spec{
		Hostname:   "web-01",
		InstanceID: "web-01-v1",
		Packages:   []string{"nginx"},
		Network: &cloudinit.Network{Interfaces: []cloudinit.Interface{{
			Name:        "ens192",
			MACAddress:  "00:50:56:01:02:03",
			Addresses:   []string{"192.0.2.10/24"},
			Gateway4:    "192.0.2.1",
			Nameservers: []string{"192.0.2.53"},
		}}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(p.UserData)
	fmt.Print(p.MetaData)
	fmt.Println(p.GuestInfo[cloudinit.KeyMetaDataEncoding])
	// Output:
	// #cloud-config
	// packages:
	//   - nginx
	// instance-id: web-01-v1
	// local-hostname: web-01
	// network:
	//   version: 2
	//   ethernets:
	//     ens192:
	//       match:
	//         macaddress: "00:50:56:01:02:03"
	//       set-name: ens192
	//       addresses:
	//         - "192.0.2.10/24"
	//       routes:
	//         - to: "0.0.0.0/0"
	//           via: "192.0.2.1"
	//       nameservers:
	//         addresses:
	//           - "192.0.2.53"
	// gzip+base64
}

func ExampleRender_problems() {
	_, err := cloudinit.Render(cloudinit.Spec{
		Hostname: "web_01",
		Network: &cloudinit.Network{Interfaces: []cloudinit.Interface{{
			Name:      "ens192",
			Addresses: []string{"192.0.2.10/24"},
			Gateway4:  "198.51.100.1",
		}}},
	})
	var ve *cloudinit.ValidationError
	if errors.As(err, &ve) {
		for _, p := range ve.Problems {
			fmt.Printf("%s: %s\n", p.Path, p.Summary)
		}
	}
	// Output:
	// hostname: Invalid Hostname
	// network.interfaces[0].gateway4: Gateway Outside Every Subnet
}
