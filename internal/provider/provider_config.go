package provider

import (
	"context"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/esxi-commander/terraform-provider-ceso/internal/backup"
	"github.com/esxi-commander/terraform-provider-ceso/internal/backup/drill"
	"github.com/esxi-commander/terraform-provider-ceso/internal/esxi"
	"github.com/esxi-commander/terraform-provider-ceso/internal/guard"
	"github.com/esxi-commander/terraform-provider-ceso/internal/hostnet"
	"github.com/esxi-commander/terraform-provider-ceso/internal/policy"
	"github.com/esxi-commander/terraform-provider-ceso/internal/snapshot"
	"github.com/esxi-commander/terraform-provider-ceso/internal/virtualdisk"
	"github.com/esxi-commander/terraform-provider-ceso/internal/vm"
)

var durationPattern = regexp.MustCompile(`^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$`)

// providerData is what Configure hands to every resource and data source.
type providerData struct {
	client    *esxi.Client    // nil when no host is configured
	vms       vm.API          // VM domain logic over client; nil without a host
	snapshots snapshot.API    // snapshot domain logic over client; nil without a host
	hostnet   hostnet.API     // vSwitches and port groups over client; nil without a host
	disks     virtualdisk.API // standalone disks over client; nil without a host
	// backupAPI is the backup domain logic over client (nil without a
	// host), one per configured provider so backups of one VM in a run are
	// serialised.
	backupAPI backup.API
	// drills runs ceso_backup's restore drills (verify = "boot"); nil
	// without a host.
	drills *drill.Runner
	// leaving holds the names of VMs this plan destroys or replaces, so a
	// port group they use may go in the same plan (Terraform plans the
	// VMs that depend on a port group before the port group).
	leaving sync.Map
	// arriving holds the vSwitches and port groups this plan creates, so a
	// port group on such a vSwitch, or a VM on such a port group, can be
	// planned in the same plan (Terraform plans what they refer to first).
	arriving   sync.Map
	guard      *guard.Guard // every write and read passes it
	datacenter string
}

// opened is what one provider instance configured, so the process can
// log the sessions out and close the guards when Terraform stops it (the
// framework has no close hook). It belongs to the instance, not to the
// process: a test process runs many providers.
type opened struct {
	sync.Mutex
	data []*providerData
}

func (o *opened) add(d *providerData) {
	o.Lock()
	o.data = append(o.data, d)
	o.Unlock()
}

// close logs out every session and closes the guards (a final metrics
// push, the audit file closed).
func (o *opened) close(ctx context.Context) {
	o.Lock()
	all := o.data
	o.data = nil
	o.Unlock()
	for _, d := range all {
		if d.client != nil {
			d.client.Close(ctx)
		}
		if err := d.guard.Close(ctx); err != nil {
			tflog.Error(ctx, "closing the guard", map[string]any{"error": err.Error()})
		}
	}
}

// defaultPushInterval spaces the Pushgateway pushes after writes: a fleet
// apply pushed once per write, and those pushes cost 5.7% of the apply
// (50 creates, 10 in parallel, two cores); at most one a second costs
// nothing measurable, and the metrics are at most a second late.
const defaultPushInterval = time.Second

// stringOrEnv returns the configured value, else the environment's.
func stringOrEnv(v types.String, env string) string {
	if !v.IsNull() && !v.IsUnknown() {
		return v.ValueString()
	}
	return os.Getenv(env)
}

// configure merges the block with the environment, validates, and connects.
func configure(ctx context.Context, cfg providerModel, version string, track *opened) (*providerData, diag.Diagnostics) {
	var diags diag.Diagnostics
	for name, v := range map[string]types.String{"host": cfg.Host, "username": cfg.Username, "password": cfg.Password} {
		if v.IsUnknown() {
			diags.AddAttributeError(path.Root(name), "Unknown Provider Value",
				fmt.Sprintf("%s depends on a value that is only known after apply. Set it from a variable or an environment variable so the provider can connect during plan.", name))
		}
	}
	if diags.HasError() {
		return nil, diags
	}

	ec := esxi.Config{
		Host:       stringOrEnv(cfg.Host, "CESO_HOST"),
		Username:   stringOrEnv(cfg.Username, "CESO_USERNAME"),
		Password:   stringOrEnv(cfg.Password, "CESO_PASSWORD"),
		Thumbprint: stringOrEnv(cfg.TLSThumbprint, "CESO_TLS_THUMBPRINT"),
		Datacenter: stringOrEnv(cfg.Datacenter, "CESO_DATACENTER"),
	}
	ec.Insecure = parseBoolAttr(&diags, cfg.Insecure, "CESO_INSECURE", path.Root("insecure"))
	ec.APITimeout = parseDurationAttr(&diags, stringOrEnv(cfg.APITimeout, "CESO_API_TIMEOUT"), path.Root("api_timeout"))
	if cfg.Pool != nil {
		ec.MaxSessions = int(cfg.Pool.MaxSessions.ValueInt64())
		if known(cfg.Pool.MinSessions) {
			ec.MinSessions = int(cfg.Pool.MinSessions.ValueInt64())
			if ec.MinSessions == 0 {
				ec.MinSessions = esxi.NoMinSessions // an explicit 0, not "the default"
			}
		}
		ec.IdleTimeout = parseDurationAttr(&diags, cfg.Pool.IdleTimeout.ValueString(), path.Root("pool").AtName("idle_timeout"))
	}
	if diags.HasError() {
		return nil, diags
	}

	g := newGuard(&diags, cfg, ec.Password)
	if diags.HasError() {
		return nil, diags
	}
	if h, env := cfg.Host.ValueString(), os.Getenv("CESO_HOST"); h != "" && env != "" && !strings.EqualFold(h, env) {
		// The environment outranks HCL (an administrator or CI runner sets
		// it; an agent edits .tf files), and silently picking either would
		// surprise one of them. Audited like any refused host.
		detail := fmt.Sprintf("The provider block names host %q and CESO_HOST names %q. Remove host from the provider block to use CESO_HOST, or unset CESO_HOST.", h, env)
		_ = g.RefuseConfig("host", "Host Differs From CESO_HOST", detail)
		_ = g.Close(ctx)
		diags.AddAttributeError(path.Root("host"), "Host Differs From CESO_HOST", detail)
		return nil, diags
	}
	if err := ec.Validate(); err != nil && ec.Host != "" {
		// Audited: a refused host (plain http to a remote name) is an
		// attempt the administrator wants to see.
		_ = g.RefuseConfig("", "Invalid Provider Configuration", err.Error())
		_ = g.Close(ctx)
		addConfigErrors(&diags, err)
		return nil, diags
	}
	if ec.Host != "" {
		// Before any connection: a host the system policy does not list
		// never receives the credentials, not even during a plan.
		if err := ec.ApplyHostPolicy(hostPolicy(g.Policy())); err != nil {
			fe, _ := esxi.AsFieldError(err)
			if fe == nil {
				fe = &esxi.FieldError{Field: "host", Summary: "Host Refused", Detail: err.Error()}
			}
			_ = g.RefuseConfig(fe.Field, fe.Summary, fe.Detail)
			diags.AddAttributeError(attrPath(fe.Field), fe.Summary, fe.Detail)
			_ = g.Close(ctx)
			return nil, diags
		}
	}
	data := &providerData{datacenter: ec.Datacenter, guard: g}
	track.add(data)
	if ec.Host == "" {
		tflog.Info(ctx, "no host configured: only host-independent objects (ceso_cloudinit) can be used")
		return data, diags
	}
	m := g.Metrics()
	var connected atomic.Pointer[esxi.Client]
	ec.OnCall = m.SOAPCall
	// One audit record per batched inventory read: a refresh of many
	// resources is one batch, audited once at read level.
	ec.AroundFetch = func(ctx context.Context, fetch func(context.Context) error) error {
		return g.Read(ctx, "inventory", esxi.FetchScope(ctx), fetch)
	}
	ec.OnPoolEvent = func(event string) {
		m.PoolEvent(event)
		if c := connected.Load(); c != nil {
			st := c.Pool.Stats()
			m.PoolSessions(st.InUse, st.Idle)
		}
	}
	ctx = tflog.SetField(ctx, "ceso_host", ec.Host)
	ctx = tflog.MaskFieldValuesWithFieldKeys(ctx, "password")
	tflog.Debug(ctx, "connecting", map[string]any{"username": ec.Username, "insecure": ec.Insecure, "version": version})
	client, err := esxi.Connect(ctx, ec)
	if err != nil {
		addConfigErrors(&diags, err)
		return nil, diags
	}
	f := client.Facts()
	tflog.Info(ctx, "connected", map[string]any{"product": f.Product, "version": f.Version, "build": f.Build, "free_licence": f.FreeLicence})
	if f.FreeLicence {
		diags.AddWarning("Free ESXi Licence", esxi.FreeLicenceMessage)
	}
	if f.LicenceUnknown {
		diags.AddWarning("Licence Unknown", esxi.LicenceUnknownMessage)
	}
	if err := g.SetHost(hostIdentities(f.InstanceUUID, ec.Host)...); err != nil {
		var ce *guard.ConfigError
		if errors.As(err, &ce) {
			diags.AddAttributeError(attrPath(ce.Attribute), ce.Summary, ce.Detail)
		} else {
			diags.AddError("Elevation Grant For Another Host", err.Error())
		}
		client.Close(ctx)
		return nil, diags
	}
	connected.Store(client)
	data.client = client
	ttl := leaseTTL(&diags)
	vms := vm.New(client)
	vms.LeaseTTL = ttl
	vms.DefaultDatacenter = ec.Datacenter
	data.vms = vms
	backups := backup.New(client, version)
	backups.LeaseTTL = ttl
	data.backupAPI = backups
	data.drills = drill.New(client, backups, vms)
	data.snapshots = snapshot.New(client)
	data.hostnet = hostnet.New(client)
	data.disks = virtualdisk.New(client)
	return data, diags
}

// leaseTTL reads CESO_LEASE_TTL: how long the lease of a create or a
// backup in progress lasts without a renewal (3 minutes when unset). Tests shorten it so a lease a
// killed provider left runs out within the test; a holder only ever
// shortens its own leases, so the variable cannot take another process's.
func leaseTTL(diags *diag.Diagnostics) time.Duration {
	v := os.Getenv("CESO_LEASE_TTL")
	if v == "" {
		return 0
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		diags.AddWarning("Invalid CESO_LEASE_TTL", fmt.Sprintf("CESO_LEASE_TTL=%q is not a positive duration such as \"3m\"; the default (%s) applies.", v, vm.DefaultLeaseTTL))
		return 0
	}
	return d
}

// newGuard builds the chokepoint from the safety attributes.
func newGuard(diags *diag.Diagnostics, cfg providerModel, password string) *guard.Guard {
	gc := guard.Config{
		Mode:      cfg.Mode.ValueString(),
		Elevation: cfg.Elevation.ValueString(),
		AuditFile: cfg.AuditFile.ValueString(),
		Secrets:   []string{password},
		Logger:    newTflogLogger(),
	}
	if cfg.Metrics != nil {
		gc.Pushgateway = guard.PushgatewayConfig{URL: cfg.Metrics.PushgatewayURL.ValueString(), Job: cfg.Metrics.Job.ValueString(),
			Interval: parseDurationAttr(diags, cfg.Metrics.PushInterval.ValueString(), path.Root("metrics").AtName("push_interval"))}
	}
	if gc.Pushgateway.Interval == 0 {
		gc.Pushgateway.Interval = defaultPushInterval
	}
	g, err := guard.New(gc)
	if err == nil {
		for _, w := range g.Warnings() {
			if w.Attribute != "" {
				diags.AddAttributeWarning(attrPath(w.Attribute), w.Summary, w.Detail)
			} else {
				diags.AddWarning(w.Summary, w.Detail)
			}
		}
	}
	if err != nil {
		var ce *guard.ConfigError
		switch {
		case errors.As(err, &ce) && ce.Attribute != "":
			diags.AddAttributeError(attrPath(ce.Attribute), ce.Summary, ce.Detail)
		case errors.As(err, &ce):
			diags.AddError(ce.Summary, ce.Detail)
		default:
			diags.AddError("Invalid Safety Configuration", err.Error())
		}
		return nil
	}
	return g
}

// hostPolicy is the system policy's word on hosts, in esxi's terms.
func hostPolicy(p *policy.Policy) esxi.HostPolicy {
	hp := esxi.HostPolicy{AllowInsecure: p.AllowInsecure, Source: p.Source()}
	for _, h := range p.Hosts {
		hp.Allowed = append(hp.Allowed, esxi.AllowedHost{Host: h.Host, Thumbprint: h.TLSThumbprint})
	}
	return hp
}

// hostIdentities are the names a grant may give the connected host: its
// instance UUID, its name, and name:port.
func hostIdentities(instanceUUID, host string) []string {
	ids := []string{instanceUUID}
	if u, err := esxi.ParseHost(host); err == nil {
		ids = append(ids, u.Hostname(), u.Host)
	}
	return ids
}

// addConfigErrors attaches each error to the attribute it names.
func addConfigErrors(diags *diag.Diagnostics, err error) {
	for _, e := range unjoin(err) {
		if fe, ok := esxi.AsFieldError(e); ok {
			diags.AddAttributeError(attrPath(fe.Field), fe.Summary, fe.Detail)
			continue
		}
		diags.AddError("Cannot Connect To Host", e.Error())
	}
}

func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// attrPath turns "pool.max_sessions" into a framework path.
func attrPath(field string) path.Path {
	parts := strings.Split(field, ".")
	p := path.Root(parts[0])
	for _, s := range parts[1:] {
		p = p.AtName(s)
	}
	return p
}

func parseDurationAttr(diags *diag.Diagnostics, s string, p path.Path) time.Duration {
	if s == "" {
		return 0
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		diags.AddAttributeError(p, "Invalid Duration",
			fmt.Sprintf("%q is not a positive duration; write it like \"30s\", \"5m\" or \"1h\".", s))
		return 0
	}
	return d
}

func parseBoolAttr(diags *diag.Diagnostics, v types.Bool, env string, p path.Path) bool {
	if !v.IsNull() && !v.IsUnknown() {
		return v.ValueBool()
	}
	s := os.Getenv(env)
	if s == "" {
		return false
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		diags.AddAttributeError(p, "Invalid Boolean",
			fmt.Sprintf("%s is %q; set it to true or false.", env, s))
	}
	return b
}
