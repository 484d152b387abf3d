// Command terraform-provider-ceso serves the ceso Terraform provider. Run by
// a person (with a command such as review, keygen, grant or audit, with
// --help, or installed as "ceso") it is also the approvers' tool.
package main

import (
	"context"
	"flag"
	"log"
	"os"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/esxi-commander/terraform-provider-ceso/internal/cli"
	"github.com/esxi-commander/terraform-provider-ceso/internal/provider"
)

// version is set at build time with -ldflags "-X main.version=1.2.3".
var version = "dev"

func main() {
	if cli.IsApproverInvocation(os.Args, os.Getenv) {
		os.Exit(cli.Run(os.Args[1:], os.Stdout, os.Stderr))
	}
	var debug bool
	flag.BoolVar(&debug, "debug", false, "run the provider with support for debuggers like delve")
	flag.Parse()

	p := provider.NewInstance(version)
	err := providerserver.Serve(context.Background(), p.Factory, providerserver.ServeOpts{
		Address: "registry.terraform.io/esxi-commander/ceso",
		Debug:   debug,
	})
	// Terraform stops the plugin server gracefully; log out what is still open.
	p.Shutdown(context.Background())
	if err != nil {
		log.Fatal(err.Error())
	}
}
