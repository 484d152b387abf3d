package image_test

import (
	"context"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/property"
	"github.com/vmware/govmomi/view"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/esxi"
	"github.com/esxi-commander/terraform-provider-ceso/internal/image"
	"github.com/esxi-commander/terraform-provider-ceso/internal/image/ovatest"
	"github.com/esxi-commander/terraform-provider-ceso/internal/simhost"
)

// env is one simulated endpoint with an image Manager on it.
type env struct {
	t    testing.TB
	host *simhost.Host
	c    *esxi.Client
	m    *image.Manager
	ctx  context.Context
}

func newEnv(t testing.TB, opts simhost.Options) *env {
	t.Helper()
	opts.Templates = -1
	h, err := simhost.Start(opts)
	if err != nil {
		t.Fatalf("start simulator: %v", err)
	}
	t.Cleanup(h.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	c, err := esxi.Connect(ctx, esxi.Config{Host: h.URL.String(), Username: h.Username, Password: h.Password, Insecure: true, MaxSessions: 4})
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	m := image.New(c)
	m.KeepAlive = 10 * time.Millisecond
	return &env{t: t, host: h, c: c, m: m, ctx: ctx}
}

// ova writes a test OVA and returns its path and SHA-256.
func ova(t testing.TB, s ovatest.Spec) (string, string) {
	t.Helper()
	p, sum, err := ovatest.WriteOVA(t.TempDir(), "image.ova", s)
	if err != nil {
		t.Fatal(err)
	}
	return p, sum
}

// serve serves dir on 127.0.0.1 until the test ends; slow delays every
// 32 KiB written, to keep an upload going across lease keep-alives.
func serve(t testing.TB, dir string, slow time.Duration) string {
	t.Helper()
	ln, err := new(net.ListenConfig).Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fs := http.FileServer(http.Dir(dir))
	h := http.Handler(fs)
	if slow > 0 {
		h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fs.ServeHTTP(&slowWriter{ResponseWriter: w, d: slow}, r)
		})
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return "http://" + ln.Addr().String()
}

type slowWriter struct {
	http.ResponseWriter
	d time.Duration
}

func (s *slowWriter) Write(p []byte) (int, error) {
	n := 0
	for len(p) > 0 {
		c := min(len(p), 32<<10)
		w, err := s.ResponseWriter.Write(p[:c])
		n += w
		if err != nil {
			return n, err
		}
		p = p[c:]
		time.Sleep(s.d)
	}
	return n, nil
}

// vmFiles lists the datastore files under the image's folder.
func (e *env) vmFiles(name string) []string {
	e.t.Helper()
	all, err := e.host.Files()
	if err != nil {
		e.t.Fatal(err)
	}
	var out []string
	for _, f := range all {
		if strings.Contains(filepath.ToSlash(f), "/"+name+"/") {
			out = append(out, f)
		}
	}
	return out
}

func (e *env) vmNames() []string {
	e.t.Helper()
	c, err := e.host.Client(e.ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	defer func() { _ = c.Logout(e.ctx) }()
	names, err := simhost.ListVMNames(e.ctx, c.Client)
	if err != nil {
		e.t.Fatal(err)
	}
	return names
}

// vm returns the host's own view of one VM by name.
func (e *env) vm(name string) mo.VirtualMachine {
	e.t.Helper()
	c, err := e.host.Client(e.ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	defer func() { _ = c.Logout(e.ctx) }()
	v, err := view.NewManager(c.Client).CreateContainerView(e.ctx, c.Client.ServiceContent.RootFolder, []string{"VirtualMachine"}, true)
	if err != nil {
		e.t.Fatal(err)
	}
	defer func() { _ = v.Destroy(e.ctx) }()
	var vms []mo.VirtualMachine
	if err := v.RetrieveWithFilter(e.ctx, []string{"VirtualMachine"}, []string{"name", "config"}, &vms, property.Match{"name": name}); err != nil {
		e.t.Fatalf("find VM %s: %v", name, err)
	}
	return vms[0]
}

// vappProperties returns a VM's vApp property values by id.
func vappProperties(v mo.VirtualMachine) map[string]string {
	out := map[string]string{}
	if v.Config == nil || v.Config.VAppConfig == nil {
		return out
	}
	for _, p := range v.Config.VAppConfig.GetVmConfigInfo().Property {
		out[p.Id] = p.Value
	}
	return out
}

// nicNetworks returns the network names of a VM's NICs.
func nicNetworks(v mo.VirtualMachine) []string {
	var out []string
	for _, d := range v.Config.Hardware.Device {
		nic, ok := d.(types.BaseVirtualEthernetCard)
		if !ok {
			continue
		}
		if b, ok := nic.GetVirtualEthernetCard().Backing.(*types.VirtualEthernetCardNetworkBackingInfo); ok {
			out = append(out, b.DeviceName)
		}
	}
	return out
}

func extraConfig(v mo.VirtualMachine) map[string]string {
	out := map[string]string{}
	for _, o := range v.Config.ExtraConfig {
		if s, ok := o.GetOptionValue().Value.(string); ok {
			out[o.GetOptionValue().Key] = s
		}
	}
	return out
}

// reconfigure changes a VM behind ceso's back.
func (e *env) reconfigure(name string, spec types.VirtualMachineConfigSpec) {
	e.t.Helper()
	c, err := e.host.Client(e.ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	defer func() { _ = c.Logout(e.ctx) }()
	v := e.vm(name)
	task, err := object.NewVirtualMachine(c.Client, v.Self).Reconfigure(e.ctx, spec)
	if err == nil {
		err = task.Wait(e.ctx)
	}
	if err != nil {
		e.t.Fatal(err)
	}
}
