// Command cesosim runs a simulated ESXi host (or vCenter) on 127.0.0.1 for
// the demo, benchmarks and manual experiments. govmomi's own vcsim command is
// a nested module the module proxy does not serve, so ceso has this one, built
// on govmomi's simulator package through internal/simhost.
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
)

func main() {
	var (
		model     = flag.String("model", "esx", "esx (standalone ESXi host) or vpx (vCenter)")
		listen    = flag.String("listen", "127.0.0.1:0", "listen address; loopback only")
		vms       = flag.Int("vms", 2, "number of plain VMs to create")
		templates = flag.Int("templates", 1, "number of template VMs (with a disk) to prepare")
		latency   = flag.Int("latency", 0, "milliseconds added to every SOAP call")
		useTLS    = flag.Bool("tls", false, "serve https with a self-signed certificate")
		envFile   = flag.String("env-file", "", "write CESO_HOST, CESO_USERNAME, CESO_PASSWORD, CESO_INSECURE exports to this file")
		playGuest = flag.Bool("play-guest", true, "give powered-on VMs the IP address their cloud-init network config asks for, as a booted guest would")
	)
	flag.Parse()
	if err := run(*model, *listen, *vms, *templates, *latency, *useTLS, *playGuest, *envFile); err != nil {
		fmt.Fprintln(os.Stderr, "cesosim:", err)
		os.Exit(1)
	}
}

func run(model, listen string, vms, templates, latency int, useTLS, playGuest bool, envFile string) error {
	if model != "esx" && model != "vpx" {
		return fmt.Errorf("-model must be esx or vpx, not %q", model)
	}
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		return fmt.Errorf("-listen %q: %w", listen, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("-listen %q: the simulator only binds to a loopback address such as 127.0.0.1", listen)
	}
	if templates == 0 {
		templates = -1 // simhost treats 0 as "default"; -1 is none
	}
	h, err := simhost.Start(simhost.Options{VCenter: model == "vpx", VMs: vms, Templates: templates,
		LatencyMS: latency, TLS: useTLS, Listen: listen})
	if err != nil {
		return err
	}
	defer h.Close()

	if playGuest {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		if err := h.PlayGuest(ctx, 500*time.Millisecond); err != nil {
			return err
		}
	}
	fmt.Printf("cesosim: %s model serving %s (user %s)\n", model, h.URL, h.Username)
	if envFile != "" {
		env := fmt.Sprintf("export CESO_HOST=%q\nexport CESO_USERNAME=%q\nexport CESO_PASSWORD=%q\nexport CESO_INSECURE=true\n",
			h.URL.String(), h.Username, h.Password)
		if err := os.WriteFile(envFile, []byte(env), 0o600); err != nil {
			return err
		}
	}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
	<-stop
	fmt.Println("cesosim: stopping")
	return nil
}
