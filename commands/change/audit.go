package change

import (
	"context"
	"log/slog"

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
		e.opt.OnAudit(rec)
	}
}
