package commands

import (
	"github.com/ecsmedic/ecsmedic/commands/change"
	"github.com/ecsmedic/ecsmedic/config"
)

// ChangeOptions maps the config file's guards and roles to the change
// engine's own options (the caller adds the clock, the services and the
// callbacks). Guards left unset, as by a config made in code, get the
// defaults.
func ChangeOptions(g config.Guards, roles config.Roles) change.Options {
	def := config.Defaults().Guards
	if g.Approval.Expiry <= 0 {
		g.Approval.Expiry = def.Approval.Expiry
	}
	if g.Limits == (config.Limits{}) {
		g.Limits = def.Limits
	}
	if g.Healthcheck.GraceMaxSeconds <= 0 {
		g.Healthcheck.GraceMaxSeconds = def.Healthcheck.GraceMaxSeconds
	}
	rng := func(r config.Range) change.Range { return change.Range{Min: r.Min, Max: r.Max, Step: r.Step} }
	return change.Options{
		Limits:           change.Limits{CPU: rng(g.Limits.CPU), Memory: rng(g.Limits.Memory), Count: rng(g.Limits.Count)},
		GraceMaxSeconds:  g.Healthcheck.GraceMaxSeconds,
		ApprovalExpiry:   g.Approval.Expiry,
		SelfApprove:      g.Approval.SelfApprove,
		RequireApprovers: g.Approval.RequireApprovers,
		Operators:        roles.Operators,
		Approvers:        roles.Approvers,
	}
}
