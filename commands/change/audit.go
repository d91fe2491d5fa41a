package change

import (
	"context"
	"log/slog"

	"github.com/ecsmedic/ecsmedic/commands/reply"
	"github.com/ecsmedic/ecsmedic/store"
)

// audit records one event of a change: in the store, in the structured
// log, and through OnAudit for the audit channel. A failure to store it is
// logged, never hidden.
func (e *Engine) audit(ctx context.Context, event string, c store.Change, who Actor, before, after, detail string) {
	rec := store.AuditRecord{
		At: e.now(), Event: event, ChangeID: c.ID, Cluster: c.Cluster, Service: c.Service,
		Actor: who.ID, ActorName: who.display(), Before: before, After: after, Detail: detail,
	}
	if rec.Detail == "" {
		rec.Detail = c.Summary
	}
	stored, err := e.store.Audit(rec)
	if err != nil {
		slog.ErrorContext(ctx, "writing an audit record failed", "event", event, "change", c.ID, "err", err)
	} else {
		rec = stored
	}
	slog.InfoContext(ctx, "change "+event, "event", event, "change", c.ID, "kind", c.Kind, "cluster", c.Cluster, "service", c.Service,
		"actor", rec.Actor, "actor_name", rec.ActorName, "before", before, "after", after, "detail", rec.Detail, "seq", rec.Seq)
	if e.opt.OnAudit != nil {
		e.opt.OnAudit(rec, e.AuditMessage("", rec))
	}
}

// AuditMessage renders an audit record for the audit channel.
func (e *Engine) AuditMessage(locale string, r store.AuditRecord) reply.Message {
	p := e.printer(locale)
	sev := reply.Info
	switch r.Event {
	case store.StatusApplied:
		sev = reply.OK
	case store.StatusFailed, "denied":
		sev = reply.Critical
	case "refused", store.StatusRejected, store.StatusExpired, store.StatusCancelled:
		sev = reply.Warning
	}
	m := reply.Message{
		Title:    p.T("audit.title", "Event", p.T("audit.event."+r.Event), "ID", r.ChangeID, "Service", r.Service),
		Severity: sev,
		Fields: []reply.Field{
			{Name: p.T("audit.field.who"), Value: r.ActorName + " (" + r.Actor + ")", Inline: true},
			{Name: p.T("audit.field.when"), Value: r.At.In(e.loc()).Format("2006-01-02 15:04:05 MST"), Inline: true},
		},
		DataTime: r.At,
	}
	if r.Before != "" || r.After != "" {
		m.Fields = append(m.Fields, reply.Field{Name: p.T("audit.field.change"), Value: r.Before + " → " + r.After, Inline: true})
	}
	if r.Detail != "" {
		m.Description = clip(r.Detail, 1500)
	}
	return m
}
