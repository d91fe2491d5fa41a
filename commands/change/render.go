package change

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/ecsmedic/ecsmedic/commands/reply"
	"github.com/ecsmedic/ecsmedic/commands/text"
	"github.com/ecsmedic/ecsmedic/store"
)

type printer = text.Printer

func (e *Engine) printer(locale string) printer {
	if text.Normalize(locale) != "" {
		return text.New(locale)
	}
	return text.New(e.opt.Locale)
}

// say renders a Text. An argument whose value starts with "@" is itself a
// message ID (a unit or a field name), said in the same language.
func (e *Engine) say(p printer, t Text) string {
	kv := []any{"Prefix", e.prefix()}
	keys := make([]string, 0, len(t.Args))
	for k := range t.Args {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := t.Args[k]
		if id, ok := strings.CutPrefix(v, "@"); ok && p.Has(id) {
			v = p.T(id)
		}
		kv = append(kv, k, v)
	}
	for k, sub := range t.Parts {
		kv = append(kv, k, e.say(p, sub))
	}
	return p.T(t.ID, kv...)
}

func (e *Engine) english(t Text) string { return e.say(text.New("en"), t) }

func (e *Engine) englishList(ts []Text) string {
	var out []string
	for _, t := range ts {
		out = append(out, e.english(t))
	}
	return strings.Join(out, "; ")
}

func firstFailure(p *Plan) Text {
	for _, c := range p.Checks {
		if !c.Pass {
			return c.Reason
		}
	}
	return Text{}
}

func (e *Engine) clock(p printer, c store.Change) string {
	return c.ExpiresAt.In(e.loc()).Format("15:04")
}

// planFields are the diff, the checks, the notes and the calls.
func (e *Engine) planFields(p printer, plan *Plan, calls bool) []reply.Field {
	var fs []reply.Field
	if len(plan.Diff) > 0 {
		var lines []string
		for _, d := range plan.Diff {
			lines = append(lines, e.say(p, d))
		}
		fs = append(fs, reply.Field{Name: p.T("change.field.diff"), Value: strings.Join(lines, "\n")})
	}
	if len(plan.Checks) > 0 {
		var lines []string
		for _, c := range plan.Checks {
			mark := "✅"
			if !c.Pass {
				mark = "❌"
			}
			lines = append(lines, mark+" **"+e.say(p, c.Name)+"**: "+e.say(p, c.Reason))
		}
		fs = append(fs, reply.Field{Name: p.T("change.field.checks"), Value: strings.Join(lines, "\n")})
	}
	if len(plan.Notes) > 0 {
		var lines []string
		for _, n := range plan.Notes {
			lines = append(lines, "• "+e.say(p, n))
		}
		fs = append(fs, reply.Field{Name: p.T("change.field.notes"), Value: strings.Join(lines, "\n")})
	}
	if calls && len(plan.Calls) > 0 {
		fs = append(fs, reply.Field{Name: p.T("change.field.calls"), Value: "`" + strings.Join(plan.Calls, "`, `") + "`"})
	}
	return fs
}

func (e *Engine) footer(p printer, c store.Change, plan *Plan) string {
	return p.T("change.footer", "Who", c.RequestedByName, "Cluster", plan.Request.Target.Cluster)
}

func (e *Engine) pendingMessage(p printer, c store.Change, plan *Plan, console bool) reply.Message {
	who := "change.desc.pending.other"
	switch {
	case console:
		who = "change.desc.pending.console"
	case e.opt.Guards.Approval.SelfApprove:
		who = "change.desc.pending.self"
	}
	desc := p.T("change.desc.pending", "Time", e.clock(p, c), "Minutes", int(e.opt.Guards.Approval.Expiry.Minutes())) + "\n" +
		p.T(who, "Requester", c.RequestedByName, "Prefix", e.prefix(), "ID", c.ID)
	return reply.Message{
		Title:       p.T("change.title.pending", "ID", c.ID, "Subject", e.say(p, plan.Subject)),
		Description: desc,
		Severity:    reply.Info,
		Fields:      e.planFields(p, plan, true),
		Footer:      e.footer(p, c, plan),
		DataTime:    c.RequestedAt.In(e.loc()),
		Buttons: []reply.Button{
			{ID: "approve:" + c.ID, Label: p.T("change.button.approve"), Style: reply.Success},
			{ID: "reject:" + c.ID, Label: p.T("change.button.reject"), Style: reply.Danger},
		},
	}
}

func (e *Engine) refusedMessage(p printer, plan *Plan) reply.Message {
	return reply.Message{
		Title:       p.T("change.title.refused", "Subject", e.say(p, plan.Subject)),
		Description: p.T("change.desc.refused", "Reason", e.say(p, firstFailure(plan))),
		Severity:    reply.Warning,
		Fields:      e.planFields(p, plan, false),
		DataTime:    e.now().In(e.loc()),
		Failed:      true,
	}
}

func (e *Engine) dryRunMessage(p printer, b *built) reply.Message {
	plan := b.plan
	m := reply.Message{
		Title:       p.T("change.title.dry", "Subject", e.say(p, plan.Subject)),
		Description: p.T("change.desc.dry"),
		Severity:    reply.Info,
		Fields:      e.planFields(p, plan, true),
		DataTime:    e.now().In(e.loc()),
	}
	if plan.Refused() {
		m.Description = p.T("change.desc.dry_refused", "Reason", e.say(p, firstFailure(plan)))
		m.Severity, m.Failed = reply.Warning, true
		return m
	}
	var reqs []string
	for _, r := range b.requests() {
		reqs = append(reqs, r.String())
	}
	m.Attachments = []reply.Attachment{{Name: "requests.txt", ContentType: "text/plain", Data: []byte(strings.Join(reqs, "\n\n") + "\n"),
		Text: p.T("change.dry_requests", "N", len(reqs))}}
	return m
}

// statusMessage shows a change as it stands: the message the bot edits.
func (e *Engine) statusMessage(p printer, c store.Change, plan *Plan) reply.Message {
	if plan == nil {
		plan, _ = decodePlan(c.Plan)
		if plan == nil {
			plan = &Plan{}
		}
	}
	status := c.Status
	if status == store.StatusApproved {
		status = store.StatusApplying
	}
	if status == store.StatusPending {
		return e.pendingMessage(p, c, plan, false)
	}
	m := reply.Message{
		Title:    p.T("change.title."+status, "ID", c.ID, "Subject", e.say(p, plan.Subject)),
		Fields:   e.planFields(p, plan, false),
		Footer:   e.footer(p, c, plan),
		DataTime: e.now().In(e.loc()),
	}
	approved := ""
	if !c.ApprovedAt.IsZero() {
		approved = p.T("change.approved_by", "Who", c.ApprovedByName, "Time", c.ApprovedAt.In(e.loc()).Format("15:04"))
	}
	switch status {
	case store.StatusApplying:
		m.Severity = reply.Info
		m.Description = approved + " " + p.T("change.desc.applying")
		if plan.NewTaskDefinition != "" && plan.Request.Kind != KindRollback {
			m.Description += " " + p.T("change.desc.registered", "Revision", revName(plan.NewTaskDefinition))
		}
		if plan.Progress != nil {
			m.Fields = append(m.Fields, reply.Field{Name: p.T("change.field.progress"), Value: e.say(p, *plan.Progress)})
		}
	case store.StatusApplied:
		m.Severity = reply.OK
		m.Description = e.outcome(p, c, plan) + "\n" + approved
	case store.StatusFailed:
		m.Severity, m.Failed = reply.Critical, true
		m.Description = e.outcome(p, c, plan)
		if approved != "" {
			m.Description += "\n" + approved
		}
		if plan.Rollback && plan.Revision != "" {
			rb := e.prefix() + "rollback " + plan.Request.Target.Name() + " " + fmt.Sprint(revNumber(plan.Revision))
			m.Buttons = []reply.Button{{ID: rb, Label: p.T("change.button.rollback", "Revision", plan.Revision), Style: reply.Danger}}
		}
	case store.StatusRejected, store.StatusCancelled:
		m.Severity = reply.Warning
		m.Description = p.T("change.desc."+status, "Who", c.Result, "Time", c.UpdatedAt.In(e.loc()).Format("15:04"))
	case store.StatusExpired:
		m.Severity = reply.Warning
		m.Description = p.T("change.desc.expired", "Time", e.clock(p, c))
	}
	return m
}

func (e *Engine) outcome(p printer, c store.Change, plan *Plan) string {
	if plan.Outcome != nil {
		return e.say(p, *plan.Outcome)
	}
	if c.Error != "" {
		return c.Error
	}
	return c.Result
}

// notPendingMessage answers an approve, reject or cancel of a change that
// is no longer waiting.
func (e *Engine) notPendingMessage(p printer, c store.Change) reply.Message {
	var desc string
	switch c.Status {
	case store.StatusApproved, store.StatusApplying, store.StatusApplied, store.StatusFailed:
		desc = p.T("change.already.approved", "ID", c.ID, "Who", c.ApprovedByName, "Time", c.ApprovedAt.In(e.loc()).Format("15:04"), "Status", p.T("change.status."+c.Status))
	case store.StatusExpired:
		desc = p.T("change.already.expired", "ID", c.ID, "Time", e.clock(p, c))
	default:
		desc = p.T("change.already."+c.Status, "ID", c.ID, "Who", c.Result)
	}
	return reply.Message{Title: p.T("change.already.title"), Description: desc, Severity: reply.Warning, Failed: true}
}

func (e *Engine) notAllowed(p printer, id string) reply.Message {
	return reply.Message{Title: p.T("change.not_allowed.title"), Description: p.T(id), Severity: reply.Warning, Failed: true}
}

func (e *Engine) busyMessage(p printer, h store.Change) reply.Message {
	return reply.Message{
		Title: p.T("change.busy.title"),
		Description: p.T("change.busy", "Service", h.Service, "ID", h.ID, "Status", p.T("change.status."+h.Status),
			"Who", h.RequestedByName, "Summary", h.Summary, "Prefix", e.prefix()),
		Severity: reply.Warning, Failed: true,
	}
}

func (e *Engine) errorMessage(p printer, err error) reply.Message {
	return reply.Message{Title: p.T("change.error.title"), Description: clip(err.Error(), 1500), Severity: reply.Critical, Failed: true}
}

func (e *Engine) lookupError(p printer, id string, err error) reply.Message {
	if errors.Is(err, store.ErrNotFound) {
		return reply.Message{Title: p.T("change.already.title"), Description: p.T("change.unknown", "ID", clip(id, 40)), Severity: reply.Warning, Failed: true}
	}
	return e.errorMessage(p, err)
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
