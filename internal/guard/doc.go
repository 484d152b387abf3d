// Package guard is the one chokepoint every ESXi call passes through.
//
// A write goes: policy decision (mode, elevation grant) → audit intent,
// synced to disk → the call → audit outcome → metrics → Pushgateway push.
// A refusal is audited and returned as *RefusedError before anything
// reaches the host. Reads are audited once per batch and never refused.
//
// The guard has no Terraform types: the provider builds a Config from its
// schema and environment, maps *ConfigError to attribute diagnostics, and
// turns Plan decisions into warnings and Do refusals into errors.
package guard
