package provider

import (
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// providerModel is the provider block. Every attribute can also come from an
// environment variable (see envDefaults); the block wins when both are set.
type providerModel struct {
	Host          types.String  `tfsdk:"host"`
	Username      types.String  `tfsdk:"username"`
	Password      types.String  `tfsdk:"password"`
	Insecure      types.Bool    `tfsdk:"insecure"`
	TLSThumbprint types.String  `tfsdk:"tls_thumbprint"`
	Datacenter    types.String  `tfsdk:"datacenter"`
	APITimeout    types.String  `tfsdk:"api_timeout"`
	Mode          types.String  `tfsdk:"mode"`
	Elevation     types.String  `tfsdk:"elevation"`
	AuditFile     types.String  `tfsdk:"audit_file"`
	Pool          *poolModel    `tfsdk:"pool"`
	Metrics       *metricsModel `tfsdk:"metrics"`
}

type poolModel struct {
	MinSessions types.Int64  `tfsdk:"min_sessions"`
	MaxSessions types.Int64  `tfsdk:"max_sessions"`
	IdleTimeout types.String `tfsdk:"idle_timeout"`
}

type metricsModel struct {
	PushgatewayURL types.String `tfsdk:"pushgateway_url"`
	Job            types.String `tfsdk:"job"`
	PushInterval   types.String `tfsdk:"push_interval"`
}

func durationValidators() []validator.String {
	return []validator.String{stringvalidator.RegexMatches(durationPattern,
		`must be a duration such as "30s", "5m" or "1h30m"`)}
}

func providerSchema() schema.Schema {
	return schema.Schema{
		MarkdownDescription: "ceso (ESXi Commander) manages VMware ESXi hosts and vCenter: VMs, cloud-init payloads and hot backups, " +
			"behind one safety chokepoint (modes, signed elevation, a tamper-evident audit file, Pushgateway metrics).",
		Attributes: map[string]schema.Attribute{
			"host": schema.StringAttribute{Optional: true,
				MarkdownDescription: "ESXi host or vCenter: a name, an address, `host:port` or a URL such as `https://esxi01.example.com/sdk`. Env: `CESO_HOST` " +
					"(setting both to different hosts is an error). Plain `http://` is refused except on loopback. When the system policy lists `hosts`, " +
					"any other host is refused before a credential is sent. Configurations that only render `ceso_cloudinit` payloads may leave it unset."},
			"username": schema.StringAttribute{Optional: true,
				MarkdownDescription: "User to log in as. Env: `CESO_USERNAME`."},
			"password": schema.StringAttribute{Optional: true, Sensitive: true,
				MarkdownDescription: "Password of `username`. Env: `CESO_PASSWORD`. A rejected login is never retried, so a wrong password cannot lock the account."},
			"insecure": schema.BoolAttribute{Optional: true,
				MarkdownDescription: "Skip TLS certificate verification. Default `false`: certificates are verified; prefer `tls_thumbprint` for self-signed hosts. " +
					"Refused when the system policy sets `allow_insecure = false`; a thumbprint the policy lists for the host is checked even when this is `true`. Env: `CESO_INSECURE`."},
			"tls_thumbprint": schema.StringAttribute{Optional: true,
				MarkdownDescription: "Pin the host certificate by its SHA-256 (or SHA-1) fingerprint, hex with or without colons: the host is then trusted only if it presents exactly this certificate. " +
					"A thumbprint the system policy lists for the host replaces it. Env: `CESO_TLS_THUMBPRINT`."},
			"datacenter": schema.StringAttribute{Optional: true,
				MarkdownDescription: "Default datacenter on vCenter; ignored on a standalone host. Env: `CESO_DATACENTER`."},
			"api_timeout": schema.StringAttribute{Optional: true, Validators: durationValidators(),
				MarkdownDescription: "Longest wait for one API call, as a duration (default `5m`). Env: `CESO_API_TIMEOUT`."},
			"mode": schema.StringAttribute{Optional: true,
				Validators: []validator.String{stringvalidator.OneOf("restricted", "standard", "unrestricted")},
				MarkdownDescription: "Safety mode: `restricted` (read and plan only; every change is refused at apply), `standard` (default: create and update; " +
					"destructive actions need an elevation) or `unrestricted`. The system policy's `max_mode` caps it and its `default_mode` applies when none is set. " +
					"When this and `CESO_MODE` are both set, the lower one applies. Env: `CESO_MODE`."},
			"elevation": schema.StringAttribute{Optional: true, Sensitive: true,
				MarkdownDescription: "A signed, time-limited elevation grant issued by an approver (`terraform-provider-ceso grant issue`) for this host, possibly for one apply " +
					"(`--once`) or for the changes of one reviewed plan (`--plan`). Only keys of the system policy are trusted. Env: `CESO_ELEVATION`."},
			"audit_file": schema.StringAttribute{Optional: true,
				MarkdownDescription: "Path of the JSON Lines audit file (mode 0600, hash-chained). Env: `CESO_AUDIT_FILE`, which wins when both are set. " +
					"The system policy's `audit.file` wins over both (they are ignored with a warning)."},
		},
		Blocks: map[string]schema.Block{
			"pool": schema.SingleNestedBlock{
				MarkdownDescription: "Session pool: sessions are created as needed up to `max_sessions`; idle ones above `min_sessions` are logged out after `idle_timeout`.",
				Attributes: map[string]schema.Attribute{
					"min_sessions": schema.Int64Attribute{Optional: true, Validators: []validator.Int64{int64validator.AtLeast(0)},
						MarkdownDescription: "Idle sessions kept logged in (default 2)."},
					"max_sessions": schema.Int64Attribute{Optional: true, Validators: []validator.Int64{int64validator.AtLeast(1)},
						MarkdownDescription: "Most sessions open at once (default 10); callers beyond it wait."},
					"idle_timeout": schema.StringAttribute{Optional: true, Validators: durationValidators(),
						MarkdownDescription: "How long an idle session above `min_sessions` is kept (default `5m`)."},
				},
			},
			"metrics": schema.SingleNestedBlock{
				MarkdownDescription: "Push metrics to a Prometheus Pushgateway. Without a URL no metrics code runs.",
				Attributes: map[string]schema.Attribute{
					"pushgateway_url": schema.StringAttribute{Optional: true,
						MarkdownDescription: "Pushgateway base URL, e.g. `http://pushgateway:9091`. Env: `CESO_PUSHGATEWAY_URL`."},
					"job": schema.StringAttribute{Optional: true,
						MarkdownDescription: "Job label of the pushed group (default `ceso`)."},
					"push_interval": schema.StringAttribute{Optional: true, Validators: durationValidators(),
						MarkdownDescription: "Least time between two pushes after writes (default `1s`): a write within it of the last push is pushed when it has passed, together with any others meanwhile, so metrics are at most one interval late. The provider always pushes when it stops."},
				},
			},
		},
	}
}
