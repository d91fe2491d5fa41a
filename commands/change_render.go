package commands

import (
	"fmt"
	"strings"
	"time"

	"github.com/ecsmedic/ecsmedic/commands/change"
	"github.com/ecsmedic/ecsmedic/commands/reply"
	"github.com/ecsmedic/ecsmedic/commands/text"
	"github.com/ecsmedic/ecsmedic/store"
)

// ChangeReply renders what a change action came to, for Discord and the
// terminal, in locale ("" = the router's).
func (r *Router) ChangeReply(locale string, o change.Outcome) reply.Message {
	return r.changeView(locale).outcome(o)
}

// AuditReply renders an audit record for the audit channel.
func (r *Router) AuditReply(locale string, rec store.AuditRecord) reply.Message {
	return r.changeView(locale).audit(rec)
}

func (r *Router) changeView(locale string) changeView {
	return changeView{p: r.printer(locale), prefix: r.env.prefix(), loc: r.env.loc()}
}

// changeView renders the change engine's outcomes in one language.
type changeView struct {
	p      text.Printer
	prefix string
	loc    *time.Location
}

func (v changeView) say(t change.Text) string { return t.In(v.p, v.prefix) }

func (v changeView) outcome(o change.Outcome) reply.Message {
	switch o.Refusal {
	case change.RefusalNone:
	case change.RefusalChangesOff:
		return v.notAllowed(v.p.T("change.off"))
	case change.RefusalNotOperator:
		return v.notAllowed(v.p.T("error.not_operator"))
	case change.RefusalNotApprover:
		return v.notAllowed(v.p.T("error.not_approver"))
	case change.RefusalNotRequester:
		return v.notAllowed(v.p.T("error.not_requester"))
	case change.RefusalSelfApproval:
		return v.notAllowed(v.p.T("error.self_approve"))
	case change.RefusalApprovedAlready:
		return v.notAllowed(v.p.T("error.approved_already", "Left", max(o.Change.RequireApprovers-len(o.Change.Approvals), 1)))
	case change.RefusalWrongChannel:
		return v.notAllowed(v.p.T("error.wrong_channel", "Channel", "<#"+o.Change.ChannelID+">", "ID", o.Change.ID))
	case change.RefusalCheckFailed:
		if o.DryRun {
			return v.dryRun(o)
		}
		return v.refused(o)
	case change.RefusalLocked:
		return v.busy(o.Holder)
	case change.RefusalDecided, change.RefusalExpired:
		return v.notPending(o.Change)
	case change.RefusalUnknown:
		return reply.Message{Title: v.p.T("change.already.title"), Description: v.p.T("change.unknown", "ID", clip(o.ID, 40)), Severity: reply.Warning, Failed: true}
	default:
		desc := string(o.Refusal)
		if o.Err != nil {
			desc = o.Err.Error()
		}
		return reply.Message{Title: v.p.T("change.error.title"), Description: clip(desc, 1500), Severity: reply.Critical, Failed: true}
	}
	if o.DryRun {
		return v.dryRun(o)
	}
	return v.status(o)
}

// planFields are the diff, the checks, the notes and the calls.
func (v changeView) planFields(plan *change.Plan, calls bool) []reply.Field {
	var fs []reply.Field
	if len(plan.Diff) > 0 {
		var lines []string
		for _, d := range plan.Diff {
			lines = append(lines, v.say(d))
		}
		fs = append(fs, reply.Field{Name: v.p.T("change.field.diff"), Value: strings.Join(lines, "\n")})
	}
	if len(plan.Checks) > 0 {
		var lines []string
		for _, c := range plan.Checks {
			mark := "✅"
			if !c.Pass {
				mark = "❌"
			}
			lines = append(lines, mark+" **"+v.say(c.Name)+"**: "+v.say(c.Reason))
		}
		fs = append(fs, reply.Field{Name: v.p.T("change.field.checks"), Value: strings.Join(lines, "\n")})
	}
	if len(plan.Notes) > 0 {
		var lines []string
		for _, n := range plan.Notes {
			lines = append(lines, "• "+v.say(n))
		}
		fs = append(fs, reply.Field{Name: v.p.T("change.field.notes"), Value: strings.Join(lines, "\n")})
	}
	if calls && len(plan.Calls) > 0 {
		fs = append(fs, reply.Field{Name: v.p.T("change.field.calls"), Value: "`" + strings.Join(plan.Calls, "`, `") + "`"})
	}
	return fs
}

func (v changeView) clock(t time.Time) string { return t.In(v.loc).Format("15:04") }

func (v changeView) footer(c store.Change, plan *change.Plan) string {
	return v.p.T("change.footer", "Who", c.RequestedByName, "Cluster", plan.Request.Target.Cluster)
}

func (v changeView) pending(o change.Outcome) reply.Message {
	c, plan := o.Change, o.Plan
	who := "change.desc.pending.other"
	switch {
	case o.Console:
		who = "change.desc.pending.console"
	case o.SelfApprove:
		who = "change.desc.pending.self"
	}
	desc := v.p.T("change.desc.pending", "Time", v.clock(c.ExpiresAt), "Minutes", int(c.ExpiresAt.Sub(c.RequestedAt).Minutes())) + "\n"
	if n := c.RequireApprovers; n > 1 {
		desc += v.p.T("change.approvals.who", "N", n, "Requester", c.RequestedByName, "Prefix", v.prefix, "ID", c.ID) + "\n" + v.approvals(c)
	} else {
		desc += v.p.T(who, "Requester", c.RequestedByName, "Prefix", v.prefix, "ID", c.ID)
	}
	return reply.Message{
		Title:       v.p.T("change.title.pending", "ID", c.ID, "Subject", v.say(plan.Subject)),
		Description: desc,
		Severity:    reply.Info,
		Fields:      v.planFields(plan, true),
		Footer:      v.footer(c, plan),
		DataTime:    c.RequestedAt.In(v.loc),
		Buttons: []reply.Button{
			{ID: "approve:" + c.ID, Label: v.p.T("change.button.approve"), Style: reply.Success},
			{ID: "reject:" + c.ID, Label: v.p.T("change.button.reject"), Style: reply.Danger},
		},
	}
}

// approvals is where a change that needs several approvals stands.
func (v changeView) approvals(c store.Change) string {
	n := c.RequireApprovers
	if len(c.Approvals) == 0 {
		return v.p.T("change.approvals.none", "N", n)
	}
	names := make([]string, len(c.Approvals))
	for i, a := range c.Approvals {
		names[i] = a.ByName
	}
	return v.p.T("change.approvals.sofar", "Count", len(c.Approvals), "N", n, "Names", strings.Join(names, ", "), "Left", n-len(c.Approvals))
}

func (v changeView) refused(o change.Outcome) reply.Message {
	return reply.Message{
		Title:       v.p.T("change.title.refused", "Subject", v.say(o.Plan.Subject)),
		Description: v.p.T("change.desc.refused", "Reason", v.say(change.FirstFailure(o.Plan))),
		Severity:    reply.Warning,
		Fields:      v.planFields(o.Plan, false),
		DataTime:    o.At.In(v.loc),
		Failed:      true,
	}
}

func (v changeView) dryRun(o change.Outcome) reply.Message {
	plan := o.Plan
	m := reply.Message{
		Title:       v.p.T("change.title.dry", "Subject", v.say(plan.Subject)),
		Description: v.p.T("change.desc.dry"),
		Severity:    reply.Info,
		Fields:      v.planFields(plan, true),
		DataTime:    o.At.In(v.loc),
	}
	if plan.Refused() {
		m.Description = v.p.T("change.desc.dry_refused", "Reason", v.say(change.FirstFailure(plan)))
		m.Severity, m.Failed = reply.Warning, true
		return m
	}
	var reqs []string
	for _, r := range o.Requests {
		reqs = append(reqs, r.String())
	}
	m.Attachments = []reply.Attachment{{Name: "requests.txt", ContentType: "text/plain", Data: []byte(strings.Join(reqs, "\n\n") + "\n"),
		Text: v.p.T("change.dry_requests", "N", len(reqs))}}
	return m
}

// status shows a change as it stands: the message the bot edits.
func (v changeView) status(o change.Outcome) reply.Message {
	c, plan := o.Change, o.Plan
	if plan == nil {
		plan = &change.Plan{}
		o.Plan = plan
	}
	status := c.Status
	if status == store.StatusApproved {
		status = store.StatusApplying
	}
	if status == store.StatusPending {
		return v.pending(o)
	}
	m := reply.Message{
		Title:    v.p.T("change.title."+string(status), "ID", c.ID, "Subject", v.say(plan.Subject)),
		Fields:   v.planFields(plan, false),
		Footer:   v.footer(c, plan),
		DataTime: o.At.In(v.loc),
	}
	approved := ""
	if !c.ApprovedAt.IsZero() {
		approved = v.p.T("change.approved_by", "Who", c.ApprovedByName, "Time", v.clock(c.ApprovedAt))
	}
	switch status {
	case store.StatusApplying:
		m.Severity = reply.Info
		m.Description = approved + " " + v.p.T("change.desc.applying")
		if plan.NewTaskDefinition != "" && plan.Request.Kind != change.KindRollback {
			m.Description += " " + v.p.T("change.desc.registered", "Revision", change.RevisionName(plan.NewTaskDefinition))
		}
		if plan.Progress != nil {
			m.Fields = append(m.Fields, reply.Field{Name: v.p.T("change.field.progress"), Value: v.say(*plan.Progress)})
		}
	case store.StatusApplied:
		m.Severity = reply.OK
		m.Description = v.result(c, plan) + "\n" + approved
	case store.StatusFailed:
		m.Severity, m.Failed = reply.Critical, true
		m.Description = v.result(c, plan)
		if approved != "" {
			m.Description += "\n" + approved
		}
		if plan.Rollback && plan.Revision != "" {
			rb := v.prefix + "rollback " + plan.Request.Target.Name() + " " + fmt.Sprint(change.RevisionNumber(plan.Revision))
			m.Buttons = []reply.Button{{ID: rb, Label: v.p.T("change.button.rollback", "Revision", plan.Revision), Style: reply.Danger}}
		}
	case store.StatusRejected, store.StatusCancelled:
		m.Severity = reply.Warning
		m.Description = v.p.T("change.desc."+string(status), "Who", c.Result, "Time", v.clock(c.UpdatedAt))
	case store.StatusExpired:
		m.Severity = reply.Warning
		m.Description = v.p.T("change.desc.expired", "Time", v.clock(c.ExpiresAt))
	}
	return m
}

// result is how a change ended, in words.
func (v changeView) result(c store.Change, plan *change.Plan) string {
	if plan.Outcome != nil {
		return v.say(*plan.Outcome)
	}
	if c.Error != "" {
		return c.Error
	}
	return c.Result
}

// notPending answers an approve, reject or cancel of a change that is no
// longer waiting.
func (v changeView) notPending(c store.Change) reply.Message {
	var desc string
	switch c.Status {
	case store.StatusApproved, store.StatusApplying, store.StatusApplied, store.StatusFailed:
		desc = v.p.T("change.already.approved", "ID", c.ID, "Who", c.ApprovedByName, "Time", v.clock(c.ApprovedAt), "Status", v.p.T("change.status."+string(c.Status)))
	case store.StatusExpired:
		desc = v.p.T("change.already.expired", "ID", c.ID, "Time", v.clock(c.ExpiresAt))
	default:
		desc = v.p.T("change.already."+string(c.Status), "ID", c.ID, "Who", c.Result)
	}
	return reply.Message{Title: v.p.T("change.already.title"), Description: desc, Severity: reply.Warning, Failed: true}
}

func (v changeView) notAllowed(desc string) reply.Message {
	return reply.Message{Title: v.p.T("change.not_allowed.title"), Description: desc, Severity: reply.Warning, Failed: true}
}

func (v changeView) busy(h store.Change) reply.Message {
	return reply.Message{
		Title: v.p.T("change.busy.title"),
		Description: v.p.T("change.busy", "Service", h.Service, "ID", h.ID, "Status", v.p.T("change.status."+string(h.Status)),
			"Who", h.RequestedByName, "Summary", h.Summary, "Prefix", v.prefix),
		Severity: reply.Warning, Failed: true,
	}
}

// audit renders an audit record for the audit channel.
func (v changeView) audit(r store.AuditRecord) reply.Message {
	sev := reply.Info
	switch store.Status(r.Event) {
	case store.StatusApplied:
		sev = reply.OK
	case store.StatusFailed, "denied":
		sev = reply.Critical
	case "refused", store.StatusRejected, store.StatusExpired, store.StatusCancelled:
		sev = reply.Warning
	}
	m := reply.Message{
		Title:    v.p.T("audit.title", "Event", v.p.T("audit.event."+r.Event), "ID", r.ChangeID, "Service", r.Service),
		Severity: sev,
		Fields: []reply.Field{
			{Name: v.p.T("audit.field.who"), Value: r.ActorName + " (" + r.Actor + ")", Inline: true},
			{Name: v.p.T("audit.field.when"), Value: r.At.In(v.loc).Format("2006-01-02 15:04:05 MST"), Inline: true},
		},
		DataTime: r.At,
	}
	if r.Before != "" || r.After != "" {
		m.Fields = append(m.Fields, reply.Field{Name: v.p.T("audit.field.change"), Value: r.Before + " → " + r.After, Inline: true})
	}
	if r.Detail != "" {
		m.Description = clip(r.Detail, 1500)
	}
	return m
}
