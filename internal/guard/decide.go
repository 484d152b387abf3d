package guard

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/esxi-commander/terraform-provider-ceso/internal/audit"
	"github.com/esxi-commander/terraform-provider-ceso/internal/metrics"
	"github.com/esxi-commander/terraform-provider-ceso/internal/policy"
)

// Plan decides at plan time without side effects beyond counting. The
// provider shows a refused decision as a warning on the resource. At plan
// time the names come from the configuration and the refreshed state.
func (g *Guard) Plan(op Op) policy.Decision {
	d := g.decide(op, op.StateName)
	label := d.Label()
	if !d.Allowed {
		label = decisionWarned
	}
	g.metrics.PolicyDecision(g.mode.String(), label)
	return d
}

// decide applies the policy to every action of op on every name it has:
// the first refusal wins; when all are allowed, the most demanding action's
// decision (and its grant) stands for the op.
func (g *Guard) decide(op Op, current string) policy.Decision {
	// The name on the host and the name asked for; an unknown (empty) new
	// name at plan time is decided at apply, when it is known.
	names := []string{op.Object}
	switch {
	case op.Unscoped:
		names = nil
	case current != "" && op.Object == "":
		names = []string{current}
	case current != "" && current != op.Object:
		names = []string{current, op.Object}
	}
	id := op.ID
	if id == "" {
		id = op.Object
	}
	g.mu.Lock()
	hosts := g.hosts
	g.mu.Unlock()
	var best policy.Decision
	for i, a := range append([]policy.Action{op.Action}, op.Effects...) {
		d := policy.DecideSubject(g.mode, policy.Subject{ResourceType: op.ResourceType, Action: a, Names: names, ID: id, Hosts: hosts}, g.grant, g.now())
		if !d.Allowed {
			if g.grant == nil && len(g.policy.TrustedKeys) == 0 {
				d = d.WithoutApprovers(g.policy)
			}
			return d
		}
		if i == 0 || d.Required > best.Required {
			best = d
		}
	}
	return best
}

// Do runs fn, which changes the host, if the policy allows op. fn's error
// is returned unchanged so callers can inspect faults; a refusal is a
// *RefusedError and an unwritable intent record an *AuditError, and in
// both cases fn is not called.
//
// With op.Current set, the object is first looked up on the host by its
// identity, and the decision is made on what is there: a state whose name
// is not the host's is refused, and the grant must cover the host's name.
func (g *Guard) Do(ctx context.Context, op Op, fn func(context.Context) error) error {
	opID := randomHex(8)
	var current string
	if op.Current != nil {
		var err error
		if current, err = op.Current(ctx); err != nil {
			rec := g.opRecord(audit.KindOutcome, opID, op, policy.Decision{})
			rec.Outcome, rec.Error = audit.OutcomeFailure, "looking the object up on the host: "+err.Error()
			if werr := g.write(rec); werr != nil {
				g.rememberAuditErr(werr)
			}
			return fmt.Errorf("look up %s %s on the host before changing it: %w", op.ResourceType, op.ID, err)
		}
	}
	d := g.decide(op, current)
	if op.StateName != "" && current != "" && current != op.StateName {
		d.Allowed = false
		d.Reason = fmt.Sprintf("the state names it %q, but the VM with UUID %s on the host is named %q; "+
			"ceso decides on the object as it is on the host. Refresh the state (terraform apply -refresh-only) and review the plan again",
			op.StateName, op.ID, current)
		return g.refused(ctx, opID, op, d, "Object Differs From State")
	}
	g.metrics.PolicyDecision(g.mode.String(), d.Label())
	if d.GrantErr != nil {
		g.metrics.Elevation(metrics.ElevationRefused)
	}
	if !d.Allowed {
		return g.refused(ctx, opID, op, d, "")
	}
	if d.Grant != nil && d.Grant.Once && g.audit != nil {
		// Another apply may have started with the same one-time grant
		// since this one did: the ledger is read again before each use.
		if used, err := audit.GrantUsed(g.audit.Path(), d.Grant.ID, os.Getpid()); err != nil || used {
			d.Allowed, d.GrantErr = false, policy.ErrGrantUsed
			d.Reason = fmt.Sprintf("grant %s was issued for one apply, and another run used it (or the audit file could not be read: %v)", d.Grant.ID, err)
			return g.refused(ctx, opID, op, d, "Elevation Grant Already Used")
		}
	}
	if d.Grant != nil {
		g.metrics.Elevation(metrics.ElevationUsed)
		g.log.InfoContext(ctx, "elevation grant used", "grant_id", d.Grant.ID, "approver", d.Grant.Approver,
			"action", string(op.Action), "object", op.Object)
	}

	intent := g.opRecord(audit.KindIntent, opID, op, d)
	intent.Details = withIdentity(op, current)
	if err := g.write(intent); err != nil {
		g.observe(op, metrics.OutcomeFailure, 0)
		return &AuditError{Op: op, Err: err}
	}

	start := time.Now()
	err := g.run(ctx, fn)
	dur := time.Since(start)

	rec := g.opRecord(audit.KindOutcome, opID, op, d)
	rec.DurationMS = audit.Millis(dur)
	outcome := metrics.OutcomeSuccess
	if err != nil {
		outcome = metrics.OutcomeFailure
		rec.Error = err.Error()
	}
	rec.Outcome = outcome
	if werr := g.write(rec); werr != nil {
		// The host has changed; failing the apply now would make Terraform
		// forget a real object. Report it loudly and again at Close.
		g.rememberAuditErr(werr)
		g.log.ErrorContext(ctx, "audit outcome record could not be written", "op_id", opID, "error", g.red.String(werr.Error()))
	}
	g.observe(op, outcome, dur)
	g.maybePush(ctx)
	return err
}

// refused audits and counts a refusal and returns it; summary overrides
// the decision's own summary when the guard, not the policy, refused.
func (g *Guard) refused(ctx context.Context, opID string, op Op, d policy.Decision, summary string) error {
	rec := g.opRecord(audit.KindOutcome, opID, op, d)
	rec.Outcome, rec.Reason = audit.OutcomeRefused, d.Reason
	rec.Details = withIdentity(op, "")
	if err := g.write(rec); err != nil {
		g.log.ErrorContext(ctx, "audit record of a refusal could not be written", "error", g.red.String(err.Error()))
	}
	g.observe(op, metrics.OutcomeRefused, 0)
	g.maybePush(ctx)
	return &RefusedError{Op: op, Decision: d, RunID: g.runID, OpID: opID, summary: summary}
}

// observe counts the op under its action and under each effect, so a
// dashboard shows a disk deletion as one, not as an update.
func (g *Guard) observe(op Op, outcome string, dur time.Duration) {
	for _, a := range append([]policy.Action{op.Action}, op.Effects...) {
		g.metrics.ObserveOperation(op.ResourceType, string(a), outcome, dur)
	}
}

// withIdentity adds what the decision was made on to an op's details.
func withIdentity(op Op, current string) map[string]any {
	d := map[string]any{}
	for k, v := range op.Details {
		d[k] = v
	}
	if op.ID != "" {
		d["id"] = op.ID
	}
	if current != "" {
		d["name_on_host"] = current
	}
	if op.StateName != "" {
		d["name_in_state"] = op.StateName
	}
	if len(op.Effects) > 0 {
		effects := make([]string, len(op.Effects))
		for i, e := range op.Effects {
			effects[i] = string(e)
		}
		d["effects"] = effects
	}
	if len(d) == 0 {
		return nil
	}
	return d
}

// Check decides an effect the domain discovers in the middle of a guarded
// call, before it acts: a create that finds a VM of the same name to take
// over, a backup whose retention would remove older backups. A refusal is
// audited and returned as *RefusedError, which the domain returns before
// its first write; an allowed effect is recorded as an event, so the audit
// names it even though the enclosing operation has another action.
func (g *Guard) Check(ctx context.Context, op Op) error {
	opID := randomHex(8)
	d := g.decide(op, "")
	g.metrics.PolicyDecision(g.mode.String(), d.Label())
	if !d.Allowed {
		return g.refused(ctx, opID, op, d, "")
	}
	rec := g.opRecord(audit.KindEvent, opID, op, d)
	rec.Reason = "effect allowed: " + d.Reason
	rec.Details = withIdentity(op, "")
	if err := g.write(rec); err != nil {
		return &AuditError{Op: op, Err: err}
	}
	g.metrics.ObserveOperation(op.ResourceType, string(op.Action), metrics.OutcomeSuccess, 0)
	return nil
}
