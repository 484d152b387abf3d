// Package simhost runs govmomi's simulator as a local ESXi host or vCenter
// for ceso's tests, benchmarks, the demo and the cesosim command. It makes the
// simulator stricter where it is more lenient than a real host (a standalone
// ESXi refuses CloneVM_Task; an NFC lease without progress reports times
// out), logs every method it serves so tests can assert
// what really reached the host, and prepares a template VM with a real disk.
package simhost

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vmware/govmomi"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// Default credentials of a simulated host.
const (
	DefaultUsername = "root"
	DefaultPassword = "ceso-sim-password" //nolint:gosec // G101: the simulator's well-known test password.
)

// Options select the model and what to prepare in it.
type Options struct {
	VCenter   bool   // VPX model (vCenter with a cluster) instead of a standalone ESXi host
	VMs       int    // plain VMs created by the model (the model's own names)
	Templates int    // template VMs with one disk each, named TemplateName, TemplateName-1, ...
	LatencyMS int    // added to every SOAP call
	TLS       bool   // serve https with the simulator's self-signed certificate
	Listen    string // host:port, default 127.0.0.1:0
	Username  string // default DefaultUsername
	Password  string // default DefaultPassword
	// AllowClone leaves CloneVM_Task working on the ESX model (a real
	// standalone host refuses it; only tests of that refusal's absence want this).
	AllowClone bool
	// NFCLeaseTimeout is how long an NFC lease lives without progress
	// reports (default DefaultNFCLeaseTimeout, as on a real host).
	NFCLeaseTimeout time.Duration
	// LimitedUser, when set, is a second account (same password) whose role
	// cannot read licences (see limited.go).
	LimitedUser string
	// vCenter layouts (VPX model only): datacenters placed inside a folder,
	// datastore clusters (StoragePod) and vApps per cluster.
	DatacenterFolders int
	DatastoreClusters int
	VApps             int
	// Datastores is the number of datastores (LocalDS_0, LocalDS_1, ...);
	// default the model's one.
	Datastores int
	// PageSize, when positive, caps every page of a property read and ties
	// page tokens to their session, as a real host does (see paging.go).
	PageSize int
	// NoKeyProvider leaves out the default key provider a vCenter model
	// gets (see addKeyProvider), as on a vCenter where none is configured.
	NoKeyProvider bool
}

var createMu sync.Mutex

// TemplateName is the name of the first prepared template VM.
const TemplateName = "ceso-template"

// Host is a running simulated endpoint.
type Host struct {
	Model    *simulator.Model
	Server   *simulator.Server
	URL      *url.URL // without credentials
	Username string
	Password string
	Options  Options

	hold   copyHold
	deltas consolidation

	mu       sync.Mutex
	paged    map[string]bool                           // sessions that started a paged read
	vsan     string                                    // the datastore MakeVSAN made vSAN
	vsanTops map[string]bool                           // its top-level folders CreateDirectory made
	extended map[string][]types.ManagedObjectReference // session key -> wrappers in its registry
	methods  []string
	hooks    []func(*simulator.Context, *simulator.Method) types.BaseMethodFault
	nfc      nfcLeases
	// downloads counts /folder GET requests (folder.go).
	downloads atomic.Int64
}

// Start creates the model and serves it on 127.0.0.1.
func Start(opts Options) (*Host, error) {
	if opts.Username == "" {
		opts.Username = DefaultUsername
	}
	if opts.Password == "" {
		opts.Password = DefaultPassword
	}
	if opts.Listen == "" {
		opts.Listen = "127.0.0.1:0"
	}
	if opts.Templates == 0 {
		opts.Templates = 1
	}
	if opts.Templates < 0 {
		opts.Templates = 0
	}
	m := simulator.ESX()
	if opts.VCenter {
		m = simulator.VPX()
		m.ClusterHost = 1
		m.Host = 0
		m.Folder, m.Pod, m.App = opts.DatacenterFolders, opts.DatastoreClusters, opts.VApps
	}
	m.Machine = opts.VMs
	if opts.Datastores > 0 {
		m.Datastore = opts.Datastores
	}
	m.Autostart = false
	createMu.Lock() // the simulator's model set-up writes package-level state
	err := m.Create()
	createMu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("create simulator model: %w", err)
	}
	realVSwitches(m)
	addPCIDevices(m)
	if opts.VCenter && !opts.NoKeyProvider {
		addKeyProvider(m)
	}
	m.DelayConfig.Delay = opts.LatencyMS
	m.Service.Listen = &url.URL{Host: opts.Listen, User: url.UserPassword(opts.Username, opts.Password)}
	if opts.TLS {
		m.Service.TLS = new(tls.Config)
	}
	h := &Host{Model: m, Username: opts.Username, Password: opts.Password, Options: opts}
	m.Map().Handler = h.handle
	h.enableLimitedUser()
	h.installFolderRule(m)
	h.Server = m.Service.NewServer()
	u := *h.Server.URL
	u.User = nil
	h.URL = &u

	if err := h.prepareTemplates(context.Background()); err != nil {
		h.Close()
		return nil, err
	}
	h.installCopyHold()
	h.ResetMethods()
	return h, nil
}

// handle logs each method and applies strictness rules and test hooks.
func (h *Host) handle(ctx *simulator.Context, m *simulator.Method) (mo.Reference, types.BaseMethodFault) {
	h.mu.Lock()
	h.methods = append(h.methods, m.Name)
	hooks := append([]func(*simulator.Context, *simulator.Method) types.BaseMethodFault(nil), h.hooks...)
	h.mu.Unlock()
	if f := h.limitedRefusal(ctx, m); f != nil {
		return nil, f
	}
	if f := h.pageRule(ctx, m); f != nil {
		return nil, f
	}
	if f := h.vsanRefusal(ctx, m); f != nil {
		return nil, f
	}
	if f := h.relocateRule(ctx, m); f != nil {
		return nil, f
	}
	h.consolidateRule(ctx, m)
	if f := h.changeVersionRule(ctx, m); f != nil {
		return nil, f
	}
	if f := h.deviceRule(ctx, m); f != nil {
		return nil, f
	}
	if f := passthroughPowerRule(ctx, m); f != nil {
		return nil, f
	}
	if f := h.duplicateRule(ctx, m); f != nil {
		return nil, f
	}
	if m.Name == "CloneVM_Task" && !h.Options.VCenter && !h.Options.AllowClone {
		return nil, &types.NotSupported{RuntimeFault: types.RuntimeFault{MethodFault: types.MethodFault{
			FaultMessage: []types.LocalizableMessage{{Key: "msg.clone.standalone", Message: "The operation is not supported on a standalone ESXi host (CloneVM_Task)"}}}}}
	}
	if f := h.nfcRule(ctx, m); f != nil {
		return nil, f
	}
	if f := h.diskLockRule(ctx, m); f != nil {
		return nil, f
	}
	for _, hook := range hooks {
		if f := hook(ctx, m); f != nil {
			return nil, f
		}
	}
	h.destroyRule(ctx, m)
	dropRootCurrent(ctx, m)
	revertPower(ctx, m)
	h.extend(ctx, m)
	return nil, nil
}

// AddHook runs fn for every method the host serves; a non-nil fault is returned to the caller.
func (h *Host) AddHook(fn func(ctx *simulator.Context, m *simulator.Method) types.BaseMethodFault) {
	h.mu.Lock()
	h.hooks = append(h.hooks, fn)
	h.mu.Unlock()
}

// ClearHooks removes every hook added with AddHook.
func (h *Host) ClearHooks() {
	h.mu.Lock()
	h.hooks = nil
	h.mu.Unlock()
}

// Methods returns the SOAP methods served since the last reset, in order.
func (h *Host) Methods() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.methods...)
}

// ResetMethods clears the method log.
func (h *Host) ResetMethods() {
	h.mu.Lock()
	h.methods = nil
	h.mu.Unlock()
}

// CountMethod returns how many times name was served since the last reset.
func (h *Host) CountMethod(name string) int {
	n := 0
	for _, m := range h.Methods() {
		if m == name {
			n++
		}
	}
	return n
}

// Thumbprint is the SHA-256 thumbprint of the served certificate ("" without TLS).
func (h *Host) Thumbprint() string {
	if c := h.Server.Certificate(); c != nil {
		return soap.ThumbprintSHA256(c)
	}
	return ""
}

// Client logs in a fresh govmomi client (insecure: it is the harness's own view of the host).
func (h *Host) Client(ctx context.Context) (*govmomi.Client, error) {
	u := *h.URL
	u.User = url.UserPassword(h.Username, h.Password)
	return govmomi.NewClient(ctx, &u, true)
}

// Close stops the server and removes the model's files.
func (h *Host) Close() {
	if h.Server != nil {
		h.Server.Close()
	}
	h.Model.Remove()
}

// Dir is the folder that holds the simulated datastores' files.
func (h *Host) Dir() (string, error) {
	for _, o := range h.Model.Map().OptionManager().Setting {
		if ov := o.GetOptionValue(); ov.Key == "vcsim.home" {
			if s, ok := ov.Value.(string); ok {
				return s, nil
			}
		}
	}
	return "", errors.New("simhost: no vcsim.home setting")
}

// EndSession ends, on the host's side, the session of the call in ctx (a
// hook's): what a host does when a session expires or an administrator
// terminates it. The call itself should then fail with NotAuthenticated.
func (h *Host) EndSession(ctx *simulator.Context) {
	if ctx.Session == nil {
		return
	}
	other := *ctx
	other.Session = &simulator.Session{UserSession: types.UserSession{Key: "simhost-" + ctx.Session.Key}}
	h.Model.Map().SessionManager().TerminateSession(&other, &types.TerminateSession{SessionId: []string{ctx.Session.Key}})
}
