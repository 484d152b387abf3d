package guard

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/esxi-commander/terraform-provider-ceso/internal/audit"
	"github.com/esxi-commander/terraform-provider-ceso/internal/policy"
)

// This file holds what the system policy decides about one provider
// process before any write: which audit file, which grant, which host.

// acceptGrant verifies the elevation against the policy's approvers, its
// lifetime against max_grant_ttl, and a one-time grant against the ledger.
func (g *Guard) acceptGrant(token, source string) error {
	gr, err := policy.ParseGrant(token, g.policy.TrustedKeys, g.now())
	if err != nil {
		return &ConfigError{Attribute: AttrElevation, Summary: grantSummary(err), Err: err,
			Detail: fmt.Sprintf("The elevation grant from %s was refused: %s. Trusted keys come from %s.", source, err, g.policy.Source())}
	}
	if life := gr.ExpiresAt.Sub(gr.IssuedAt); life > g.policy.MaxGrantTTL {
		return &ConfigError{Attribute: AttrElevation, Summary: "Elevation Grant Lives Too Long",
			Detail: fmt.Sprintf("Grant %s lives %s, and %s accepts at most %s (max_grant_ttl); ask the approver for a shorter grant.",
				gr.ID, life, g.policy.Source(), g.policy.MaxGrantTTL)}
	}
	if gr.Once {
		if err := g.checkUnused(gr); err != nil {
			return err
		}
	}
	g.grant = gr
	return nil
}

// checkUnused refuses a one-time grant that another process already used.
func (g *Guard) checkUnused(gr *policy.Grant) error {
	if g.audit == nil {
		return &ConfigError{Attribute: AttrElevation, Summary: "One-Time Grant Needs An Audit File",
			Detail: fmt.Sprintf("Grant %s may be used by one apply, and the audit file is where its use is recorded; configure an audit file (the system policy's audit.file, or audit_file).", gr.ID)}
	}
	used, err := audit.GrantUsed(g.audit.Path(), gr.ID, os.Getpid())
	if err != nil {
		return &ConfigError{Attribute: AttrAuditFile, Summary: "Unusable Audit File", Err: err,
			Detail: fmt.Sprintf("The audit file %s cannot be read to check one-time grant %s: %s.", g.audit.Path(), gr.ID, err)}
	}
	if used {
		return &ConfigError{Attribute: AttrElevation, Summary: "Elevation Grant Already Used",
			Detail: fmt.Sprintf("Grant %s was issued for one apply, and the audit file %s shows an earlier run that used it; ask %s for a new grant.",
				gr.ID, g.audit.Path(), gr.Approver)}
	}
	return nil
}

// openAudit opens the audit file the policy names or, without one, the
// environment's or the configuration's, in that order of authority. A
// lower layer that names another file is ignored with a warning.
func (g *Guard) openAudit(cfg Config, getenv func(string) string) error {
	ap := g.policy.Audit
	env := getenv(EnvAuditFile)
	path, source := ap.File, g.policy.Source()
	switch {
	case ap.File != "":
		for _, lower := range []struct{ value, name, attr string }{{env, EnvAuditFile, ""}, {cfg.AuditFile, `the "audit_file" attribute`, AttrAuditFile}} {
			if lower.value != "" && lower.value != ap.File {
				g.warnings = append(g.warnings, Warning{Attribute: lower.attr, Summary: "Audit File Set By Policy",
					Detail: fmt.Sprintf("%s names %s, but %s fixes the audit file at %s; records go there.", lower.name, lower.value, g.policy.Source(), ap.File)})
			}
		}
	case env != "":
		path, source = env, EnvAuditFile
		if cfg.AuditFile != "" && cfg.AuditFile != env {
			g.warnings = append(g.warnings, Warning{Attribute: AttrAuditFile, Summary: "Audit File Set By Environment",
				Detail: fmt.Sprintf("audit_file names %s, but %s names %s, which the environment's administrator chose; records go there.", cfg.AuditFile, EnvAuditFile, env)})
		}
	default:
		path, source = cfg.AuditFile, `the "audit_file" attribute`
	}
	if path == "" {
		return nil
	}
	w, err := audit.OpenWith(path, g.red, audit.Options{AppendOnly: ap.AppendOnly && path == ap.File})
	if err != nil {
		attr := AttrAuditFile
		if ap.File != "" {
			attr = "" // the policy is at fault, not the provider block
		}
		return &ConfigError{Attribute: attr, Summary: "Unusable Audit File", Err: err,
			Detail: fmt.Sprintf("The audit file from %s cannot be used: %s.", source, err)}
	}
	g.audit = w
	return nil
}

// refuse records a refused configuration in the audit file (when one is
// open), closes it and returns err: an agent probing the policy leaves a
// trace even though nothing reached a host.
func (g *Guard) refuse(err error) error {
	if g.audit == nil {
		return err
	}
	d := map[string]any{"error": err.Error(), "policy": g.policy.Source()}
	var ce *ConfigError
	if errors.As(err, &ce) {
		d["summary"], d["attribute"] = ce.Summary, ce.Attribute
	}
	if werr := g.write(g.event("configuration refused", d)); werr != nil {
		g.log.Error("audit record of a refused configuration could not be written", "error", g.red.String(werr.Error()))
	}
	g.audit.Close()
	g.audit = nil
	return err
}

// RefuseConfig records a refusal the provider made after New (a host the
// policy does not allow) and returns it as a *ConfigError.
func (g *Guard) RefuseConfig(attr, summary, detail string) error {
	ce := &ConfigError{Attribute: attr, Summary: summary, Detail: detail}
	if g.audit != nil {
		d := map[string]any{"error": ce.Error(), "policy": g.policy.Source(), "summary": summary, "attribute": attr}
		if werr := g.write(g.event("configuration refused", d)); werr != nil {
			g.log.Error("audit record of a refused configuration could not be written", "error", g.red.String(werr.Error()))
		}
	}
	return ce
}

// SetHost records the identities of the connected host (instance UUID,
// host name, host:port), which grants are matched against. A grant for
// another host is refused here, before any change.
func (g *Guard) SetHost(ids ...string) error {
	var clean []string
	for _, id := range ids {
		if id != "" {
			clean = append(clean, id)
		}
	}
	g.mu.Lock()
	g.hosts = clean
	g.mu.Unlock()
	if g.grant != nil && !g.grant.ValidFor(clean) {
		return g.RefuseConfig(AttrElevation, "Elevation Grant For Another Host", fmt.Sprintf(
			"Grant %s is for host %s, and this provider is connected to %s. A grant is valid on the host it names only; ask %s for a grant for this host.",
			g.grant.ID, g.grant.Host, strings.Join(clean, " / "), g.grant.Approver))
	}
	if g.audit != nil {
		if err := g.write(g.event("host connected", map[string]any{"host": clean})); err != nil {
			g.log.Warn("audit record of the host could not be written", "error", g.red.String(err.Error()))
		}
	}
	return nil
}
