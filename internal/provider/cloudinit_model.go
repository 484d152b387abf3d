package provider

import (
	"context"
	"errors"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	dsschema "github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/esxi-commander/terraform-provider-ceso/internal/cloudinit"
)

// cloudinitModel is shared by the ceso_cloudinit resource and data source:
// the typed inputs, then the rendered outputs.
type cloudinitModel struct {
	ID                types.String           `tfsdk:"id"`
	Hostname          types.String           `tfsdk:"hostname"`
	FQDN              types.String           `tfsdk:"fqdn"`
	InstanceID        types.String           `tfsdk:"instance_id"`
	Users             []cloudinitUserModel   `tfsdk:"users"`
	SSHAuthorizedKeys []types.String         `tfsdk:"ssh_authorized_keys"`
	Packages          []types.String         `tfsdk:"packages"`
	PackageUpdate     types.Bool             `tfsdk:"package_update"`
	Timezone          types.String           `tfsdk:"timezone"`
	WriteFiles        []cloudinitFileModel   `tfsdk:"write_files"`
	RunCmd            []types.String         `tfsdk:"runcmd"`
	BootCmd           []types.String         `tfsdk:"bootcmd"`
	Network           *cloudinitNetworkModel `tfsdk:"network"`
	UserDataRaw       types.String           `tfsdk:"user_data_raw"`
	VendorDataRaw     types.String           `tfsdk:"vendor_data_raw"`
	UserData          types.String           `tfsdk:"user_data"`
	MetaData          types.String           `tfsdk:"meta_data"`
	VendorData        types.String           `tfsdk:"vendor_data"`
	GuestInfo         types.Map              `tfsdk:"guestinfo"`
	Hash              types.String           `tfsdk:"hash"`
}

type cloudinitUserModel struct {
	Name              types.String   `tfsdk:"name"`
	Groups            []types.String `tfsdk:"groups"`
	Sudo              types.String   `tfsdk:"sudo"`
	Shell             types.String   `tfsdk:"shell"`
	SSHAuthorizedKeys []types.String `tfsdk:"ssh_authorized_keys"`
	HashedPassword    types.String   `tfsdk:"hashed_password"`
}

type cloudinitFileModel struct {
	Path        types.String `tfsdk:"path"`
	Content     types.String `tfsdk:"content"`
	Encoding    types.String `tfsdk:"encoding"`
	Owner       types.String `tfsdk:"owner"`
	Permissions types.String `tfsdk:"permissions"`
	Append      types.Bool   `tfsdk:"append"`
	Defer       types.Bool   `tfsdk:"defer"`
}

type cloudinitNetworkModel struct {
	Interfaces []cloudinitInterfaceModel `tfsdk:"interfaces"`
}

type cloudinitInterfaceModel struct {
	Name          types.String          `tfsdk:"name"`
	MACAddress    types.String          `tfsdk:"mac_address"`
	DHCP4         types.Bool            `tfsdk:"dhcp4"`
	DHCP6         types.Bool            `tfsdk:"dhcp6"`
	Addresses     []types.String        `tfsdk:"addresses"`
	Gateway4      types.String          `tfsdk:"gateway4"`
	Gateway6      types.String          `tfsdk:"gateway6"`
	Nameservers   []types.String        `tfsdk:"nameservers"`
	SearchDomains []types.String        `tfsdk:"search_domains"`
	Routes        []cloudinitRouteModel `tfsdk:"routes"`
	MTU           types.Int64           `tfsdk:"mtu"`
}

type cloudinitRouteModel struct {
	To     types.String `tfsdk:"to"`
	Via    types.String `tfsdk:"via"`
	Metric types.Int64  `tfsdk:"metric"`
	OnLink types.Bool   `tfsdk:"on_link"`
}

// spec converts the model to the domain's plain Go values. Call it only on
// a fully known model.
func (m *cloudinitModel) spec() cloudinit.Spec {
	s := cloudinit.Spec{
		Hostname:          m.Hostname.ValueString(),
		FQDN:              m.FQDN.ValueString(),
		InstanceID:        m.InstanceID.ValueString(),
		SSHAuthorizedKeys: strs(m.SSHAuthorizedKeys),
		Packages:          strs(m.Packages),
		Timezone:          m.Timezone.ValueString(),
		RunCmd:            strs(m.RunCmd),
		BootCmd:           strs(m.BootCmd),
		UserDataRaw:       m.UserDataRaw.ValueString(),
		VendorDataRaw:     m.VendorDataRaw.ValueString(),
	}
	if !m.PackageUpdate.IsNull() {
		v := m.PackageUpdate.ValueBool()
		s.PackageUpdate = &v
	}
	for _, u := range m.Users {
		s.Users = append(s.Users, cloudinit.User{
			Name:              u.Name.ValueString(),
			Groups:            strs(u.Groups),
			Sudo:              u.Sudo.ValueString(),
			Shell:             u.Shell.ValueString(),
			SSHAuthorizedKeys: strs(u.SSHAuthorizedKeys),
			HashedPassword:    u.HashedPassword.ValueString(),
		})
	}
	for _, f := range m.WriteFiles {
		s.WriteFiles = append(s.WriteFiles, cloudinit.File{
			Path:        f.Path.ValueString(),
			Content:     f.Content.ValueString(),
			Encoding:    f.Encoding.ValueString(),
			Owner:       f.Owner.ValueString(),
			Permissions: f.Permissions.ValueString(),
			Append:      f.Append.ValueBool(),
			Defer:       f.Defer.ValueBool(),
		})
	}
	if m.Network != nil {
		s.Network = &cloudinit.Network{}
		for _, i := range m.Network.Interfaces {
			ifc := cloudinit.Interface{
				Name:          i.Name.ValueString(),
				MACAddress:    i.MACAddress.ValueString(),
				DHCP4:         i.DHCP4.ValueBool(),
				DHCP6:         i.DHCP6.ValueBool(),
				Addresses:     strs(i.Addresses),
				Gateway4:      i.Gateway4.ValueString(),
				Gateway6:      i.Gateway6.ValueString(),
				Nameservers:   strs(i.Nameservers),
				SearchDomains: strs(i.SearchDomains),
				MTU:           int(i.MTU.ValueInt64()),
			}
			for _, r := range i.Routes {
				ifc.Routes = append(ifc.Routes, cloudinit.Route{
					To:     r.To.ValueString(),
					Via:    r.Via.ValueString(),
					Metric: int(r.Metric.ValueInt64()),
					OnLink: r.OnLink.ValueBool(),
				})
			}
			s.Network.Interfaces = append(s.Network.Interfaces, ifc)
		}
	}
	return s
}

func strs(in []types.String) []string {
	if len(in) == 0 {
		return nil
	}
	out := make([]string, len(in))
	for i, v := range in {
		out[i] = v.ValueString()
	}
	return out
}

// render renders the model's inputs and stores the outputs. When prior (the
// state at plan time, the plan at apply time) holds the same hash, its
// guestinfo map is kept: the documents are identical, and only a change in
// the gzip implementation could alter their encoding, which must show up
// neither as a change nor as an inconsistent result.
func (m *cloudinitModel) render(ctx context.Context, prior *cloudinitModel) diag.Diagnostics {
	var diags diag.Diagnostics
	p, err := cloudinit.Render(m.spec())
	if err != nil {
		addCloudinitProblems(&diags, err)
		return diags
	}
	m.ID = types.StringValue(p.Hash)
	m.Hash = types.StringValue(p.Hash)
	m.InstanceID = types.StringValue(p.InstanceID)
	m.UserData = types.StringValue(p.UserData)
	m.MetaData = types.StringValue(p.MetaData)
	m.VendorData = types.StringValue(p.VendorData)
	if prior != nil && prior.Hash.ValueString() == p.Hash && !prior.GuestInfo.IsNull() && !prior.GuestInfo.IsUnknown() {
		m.GuestInfo = prior.GuestInfo
		return diags
	}
	gi, d := types.MapValueFrom(ctx, types.StringType, p.GuestInfo)
	diags.Append(d...)
	m.GuestInfo = gi
	return diags
}

// validateCloudinitConfig runs the domain validation at plan time. A config
// with unknown values (computed from other resources) is validated once it
// is known: in ModifyPlan, or at the latest when the payload is rendered.
func validateCloudinitConfig(ctx context.Context, config tfsdk.Config, diags *diag.Diagnostics) {
	if !config.Raw.IsFullyKnown() {
		return
	}
	var m cloudinitModel
	diags.Append(config.Get(ctx, &m)...)
	if diags.HasError() {
		return
	}
	if err := cloudinit.Validate(m.spec()); err != nil {
		addCloudinitProblems(diags, err)
	}
}

// addCloudinitProblems maps the domain's problems to attribute errors.
func addCloudinitProblems(diags *diag.Diagnostics, err error) {
	var ve *cloudinit.ValidationError
	if !errors.As(err, &ve) {
		diags.AddError("Cannot Render Cloud-Init Payload", err.Error())
		return
	}
	for _, p := range ve.Problems {
		if at, ok := attributePath(p.Path); ok {
			diags.AddAttributeError(at, p.Summary, p.Detail)
		} else {
			diags.AddError(p.Summary, p.Detail)
		}
	}
}

// attributePath converts a domain path (attribute names and list indexes)
// to a Terraform attribute path.
func attributePath(steps cloudinit.Path) (path.Path, bool) {
	if len(steps) == 0 {
		return path.Empty(), false
	}
	name, ok := steps[0].(string)
	if !ok {
		return path.Empty(), false
	}
	p := path.Root(name)
	for _, step := range steps[1:] {
		switch s := step.(type) {
		case string:
			p = p.AtName(s)
		case int:
			p = p.AtListIndex(s)
		default:
			return path.Empty(), false
		}
	}
	return p, true
}

const (
	summaryImportNotSupported = "Import Not Supported"
	detailImportNotSupported  = "ceso_cloudinit is pure configuration: it renders a payload from its arguments and creates nothing on the host, so there is nothing to import. Declare the resource in your configuration and run apply; the payload is rendered again, identically."
)

// cloudinitSchema is the schema of the ceso_cloudinit resource; the data
// source derives its schema from it (see dataSourceAttributes).
func cloudinitSchema() schema.Schema {
	stringList := func(desc string, sensitive bool) schema.ListAttribute {
		return schema.ListAttribute{
			ElementType:         types.StringType,
			Optional:            true,
			Sensitive:           sensitive,
			MarkdownDescription: desc,
			Validators:          []validator.List{listvalidator.UniqueValues()},
		}
	}
	optString := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{Optional: true, MarkdownDescription: desc}
	}
	optBool := func(desc string) schema.BoolAttribute {
		return schema.BoolAttribute{Optional: true, MarkdownDescription: desc}
	}
	computed := func(desc string, sensitive bool) schema.StringAttribute {
		return schema.StringAttribute{Computed: true, Sensitive: sensitive, MarkdownDescription: desc}
	}
	return schema.Schema{
		MarkdownDescription: "Renders and validates a cloud-init payload for the VMware guestinfo datasource: " +
			"`#cloud-config` user-data, meta-data with the hostname and the netplan v2 network configuration " +
			"(under the `network` key, where cloud-init reads it), and optional vendor-data, encoded as " +
			"`guestinfo.*` keys for `ceso_vm`. Pure configuration: nothing is created on the host.",
		Attributes: map[string]schema.Attribute{
			"id": computed("The content hash, as `hash`.", false),
			"hostname": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "Short host name (one DNS label), written to the meta-data as `local-hostname`.",
			},
			"fqdn": optString("Fully qualified domain name; its first label must be `hostname`. When set, user-data gets `hostname` and `fqdn`."),
			"instance_id": schema.StringAttribute{
				Optional: true,
				Computed: true,
				MarkdownDescription: "cloud-init instance ID. Default: `ceso-` and the first 16 hex digits of the SHA-256 of the first rendered documents; " +
					"the resource keeps that ID when the content changes later, so a VM updated in place (`cloudinit_update = \"in_place\"`) is not taken for a new instance " +
					"(which would re-run the per-instance modules and regenerate its SSH host keys). To have cloud-init run as for a new instance, set a new value here. " +
					"The data source, which has no prior state, derives the ID from the content every time.",
			},
			"users": schema.ListNestedAttribute{
				Optional:            true,
				MarkdownDescription: "Users to create. The distribution's default user is kept (listed first as `default`).",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"name":                schema.StringAttribute{Required: true, MarkdownDescription: "User name."},
					"groups":              stringList("Supplementary groups.", false),
					"sudo":                optString("A sudoers rule, such as `ALL=(ALL) NOPASSWD:ALL`."),
					"shell":               optString("Login shell, an absolute path such as `/bin/bash`."),
					"ssh_authorized_keys": stringList("OpenSSH public keys authorized for this user.", false),
					"hashed_password": schema.StringAttribute{
						Optional:  true,
						Sensitive: true,
						MarkdownDescription: "A crypt(3) password hash (`$6$...`, `$y$...`), never clear text: generate it with " +
							"`mkpasswd -m sha-512`. When set, password login is unlocked for the user.",
					},
				}},
			},
			"ssh_authorized_keys": stringList("OpenSSH public keys authorized for the distribution's default user.", false),
			"packages":            stringList("Packages to install.", false),
			"package_update":      optBool("Update the package index on first boot."),
			"timezone":            optString("Time zone, a tz database name such as `Europe/Paris`."),
			"write_files": schema.ListNestedAttribute{
				Optional:            true,
				MarkdownDescription: "Files to write on first boot.",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"path": schema.StringAttribute{Required: true, MarkdownDescription: "Absolute path of the file."},
					"content": schema.StringAttribute{
						Optional: true, Sensitive: true,
						MarkdownDescription: "File content, encoded as `encoding` says.",
					},
					"encoding":    optString("Encoding of `content`: `text` (default), `b64` or `gzip+base64`."),
					"owner":       optString("Owner as `user:group`, such as `root:root`."),
					"permissions": optString("Octal mode such as `0644`."),
					"append":      optBool("Append to the file instead of replacing it."),
					"defer":       optBool("Write the file in the final stage, after users and packages exist."),
				}},
			},
			"runcmd":  stringList("Commands run once, late in the first boot, each with `sh -c`.", false),
			"bootcmd": stringList("Commands run early on every boot, each with `sh -c`.", false),
			"network": schema.SingleNestedAttribute{
				Optional: true,
				MarkdownDescription: "Network configuration, rendered as netplan v2 into the meta-data. Without it, " +
					"cloud-init falls back to DHCP on the first NIC.",
				Attributes: map[string]schema.Attribute{
					"interfaces": schema.ListNestedAttribute{
						Required:            true,
						MarkdownDescription: "Ethernet interfaces, each matched by `mac_address`, by `name`, or both (the NIC with that MAC is then renamed).",
						NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
							"name":           optString("Interface name (at most 15 characters); with `mac_address`, the name the NIC is given."),
							"mac_address":    optString("MAC address to match, such as `00:50:56:aa:bb:cc`."),
							"dhcp4":          optBool("Configure IPv4 by DHCP."),
							"dhcp6":          optBool("Configure IPv6 by DHCPv6."),
							"addresses":      stringList("Static addresses in CIDR form, such as `192.0.2.10/24` or `2001:db8::10/64`.", false),
							"gateway4":       optString("IPv4 default gateway; must lie inside one of the interface's IPv4 subnets. One interface at most sets it."),
							"gateway6":       optString("IPv6 default gateway; inside one of the interface's IPv6 subnets, or link-local. One interface at most sets it."),
							"nameservers":    stringList("DNS server addresses.", false),
							"search_domains": stringList("DNS search domains.", false),
							"routes": schema.ListNestedAttribute{
								Optional:            true,
								MarkdownDescription: "Static routes.",
								NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
									"to":      schema.StringAttribute{Required: true, MarkdownDescription: "Destination CIDR, or `default` for an IPv4 default route (an IPv6 default route is `gateway6`)."},
									"via":     schema.StringAttribute{Required: true, MarkdownDescription: "Gateway address; inside one of the interface's subnets unless `on_link` is set."},
									"metric":  schema.Int64Attribute{Optional: true, MarkdownDescription: "Route metric. Only guests where netplan renders the network (Ubuntu) apply it: cloud-init 22.4's other renderers drop it."},
									"on_link": optBool("The gateway is reachable on the link although it is outside every subnet. Only guests where netplan renders the network (Ubuntu) apply it: cloud-init 22.4's other renderers drop it."),
								}},
							},
							"mtu": schema.Int64Attribute{Optional: true, MarkdownDescription: "MTU, between 576 and 9216 (at least 1280 with IPv6)."},
						}},
					},
				},
			},
			"user_data_raw": schema.StringAttribute{
				Optional:  true,
				Sensitive: true,
				MarkdownDescription: "User-data you bring yourself. A `#cloud-config` document is merged with the typed " +
					"attributes when no top-level key is set by both (a key set twice is an error) and every key is a " +
					"cloud-config key. Any other format cloud-init reads (MIME multipart, `#!` script, ...) is passed " +
					"through unchanged, and only when no typed attribute renders into user-data.",
			},
			"vendor_data_raw": schema.StringAttribute{
				Optional:  true,
				Sensitive: true,
				MarkdownDescription: "Vendor-data, passed through unchanged after validation (a `#cloud-config` document " +
					"must use cloud-config keys only and must not set `network`).",
			},
			"user_data":   computed("Rendered user-data.", true),
			"meta_data":   computed("Rendered meta-data: `instance-id`, `local-hostname` and `network`.", false),
			"vendor_data": computed("Rendered vendor-data; empty when `vendor_data_raw` is not set.", true),
			"guestinfo": schema.MapAttribute{
				ElementType: types.StringType,
				Computed:    true,
				Sensitive:   true,
				MarkdownDescription: fmt.Sprintf("The `guestinfo.*` extra-config keys for `ceso_vm`: `guestinfo.userdata`, "+
					"`guestinfo.metadata` and, with vendor-data, `guestinfo.vendordata`, each `gzip+base64` encoded, with "+
					"their `.encoding` keys. Each encoded value is at most %d bytes.", cloudinit.MaxGuestInfoValueBytes),
			},
			"hash": computed("Hex SHA-256 of the rendered documents.", false),
		},
	}
}

// dataSourceAttributes converts resource schema attributes to data source
// ones, so both share one definition. Plan modifiers do not apply to data
// sources and are dropped.
func dataSourceAttributes(in map[string]schema.Attribute) map[string]dsschema.Attribute {
	out := make(map[string]dsschema.Attribute, len(in))
	for name, a := range in {
		out[name] = dataSourceAttribute(a)
	}
	return out
}

func dataSourceAttribute(a schema.Attribute) dsschema.Attribute {
	switch a := a.(type) {
	case schema.StringAttribute:
		return dsschema.StringAttribute{Required: a.Required, Optional: a.Optional, Computed: a.Computed, Sensitive: a.Sensitive, MarkdownDescription: a.MarkdownDescription, Validators: a.Validators}
	case schema.BoolAttribute:
		return dsschema.BoolAttribute{Required: a.Required, Optional: a.Optional, Computed: a.Computed, Sensitive: a.Sensitive, MarkdownDescription: a.MarkdownDescription, Validators: a.Validators}
	case schema.Int64Attribute:
		return dsschema.Int64Attribute{Required: a.Required, Optional: a.Optional, Computed: a.Computed, Sensitive: a.Sensitive, MarkdownDescription: a.MarkdownDescription, Validators: a.Validators}
	case schema.ListAttribute:
		return dsschema.ListAttribute{ElementType: a.ElementType, Required: a.Required, Optional: a.Optional, Computed: a.Computed, Sensitive: a.Sensitive, MarkdownDescription: a.MarkdownDescription, Validators: a.Validators}
	case schema.MapAttribute:
		return dsschema.MapAttribute{ElementType: a.ElementType, Required: a.Required, Optional: a.Optional, Computed: a.Computed, Sensitive: a.Sensitive, MarkdownDescription: a.MarkdownDescription, Validators: a.Validators}
	case schema.ListNestedAttribute:
		return dsschema.ListNestedAttribute{
			NestedObject: dsschema.NestedAttributeObject{Attributes: dataSourceAttributes(a.NestedObject.Attributes)},
			Required:     a.Required, Optional: a.Optional, Computed: a.Computed, Sensitive: a.Sensitive,
			MarkdownDescription: a.MarkdownDescription, Validators: a.Validators,
		}
	case schema.SingleNestedAttribute:
		return dsschema.SingleNestedAttribute{
			Attributes: dataSourceAttributes(a.Attributes),
			Required:   a.Required, Optional: a.Optional, Computed: a.Computed, Sensitive: a.Sensitive,
			MarkdownDescription: a.MarkdownDescription, Validators: a.Validators,
		}
	default:
		panic(fmt.Sprintf("dataSourceAttribute: no conversion for %T", a))
	}
}
