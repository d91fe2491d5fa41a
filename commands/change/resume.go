package change

import (
	"context"
	"log/slog"

	"github.com/ecsmedic/ecsmedic/store"
)

// Resume settles the changes a restart interrupted; the bot calls it once
// at start. An approved change whose apply never began is applied (the
// apply checks the plan again). An applying change is checked against
// AWS: when its new revision or setting is in place it is followed to the
// end or marked applied; otherwise it is marked failed with what was done,
// and nothing is sent again. Expired pending changes are expired.
func (e *Engine) Resume(ctx context.Context) error {
	if _, err := e.Sweep(ctx); err != nil {
		return err
	}
	cs, err := e.store.Changes(store.ChangeFilter{Statuses: []store.Status{store.StatusApproved, store.StatusApplying}})
	if err != nil {
		return err
	}
	for _, c := range cs {
		slog.InfoContext(ctx, "resuming a change", "change", c.ID, "status", c.Status)
		o := e.resumeOne(ctx, c)
		if cur, err := e.store.Change(c.ID); err == nil {
			c = cur
		}
		if o.Change.ID == "" {
			o.Change = c
		}
		if !e.opt.Background || store.Finished(c.Status) {
			e.update(o)
		}
	}
	return nil
}

func (e *Engine) resumeOne(ctx context.Context, c store.Change) Outcome {
	if c.Status == store.StatusApproved {
		return e.apply(ctx, c)
	}
	plan, err := decodePlan(c.Plan)
	if err != nil {
		return e.finish(ctx, c, nil, store.StatusFailed, T("error.plan_unreadable"))
	}
	t := plan.Request.Target
	if plan.Deploys {
		svc, err := e.describe(ctx, t)
		if err != nil {
			return e.failed(err) // left applying; the next start tries again
		}
		inPlace := false
		switch plan.Request.Kind {
		case KindScaleCount:
			inPlace = int(svc.DesiredCount) == plan.Request.Value
		default:
			inPlace = plan.NewTaskDefinition != "" && revName(*svc.TaskDefinition) == revName(plan.NewTaskDefinition)
		}
		if inPlace {
			if e.opt.Background {
				o := e.result(c, clonePlan(plan))
				e.followInBackground(c, plan)
				return o
			}
			return e.follow(ctx, c, plan)
		}
		if plan.Request.Kind != KindRollback && plan.NewTaskDefinition != "" {
			return e.finish(ctx, c, plan, store.StatusFailed, T("error.interrupted_registered", "Revision", revName(plan.NewTaskDefinition), "Service", t.Name()))
		}
		if plan.Request.Kind == KindScaleCPU || plan.Request.Kind == KindScaleMemory {
			return e.finish(ctx, c, plan, store.StatusFailed, T("error.interrupted_maybe_registered", "Base", revName(plan.BaseTaskDefinition)))
		}
		return e.finish(ctx, c, plan, store.StatusFailed, T("error.interrupted"))
	}
	// A setting: planned again, the "already so" check says whether it is
	// in place.
	b, err := e.build(ctx, plan.Request)
	if err != nil {
		return e.failed(err)
	}
	for _, ch := range b.plan.Checks {
		if ch.Name.ID == "check.change" && !ch.Pass {
			return e.finish(ctx, c, plan, store.StatusApplied, T("outcome.applied"))
		}
	}
	return e.finish(ctx, c, plan, store.StatusFailed, T("error.interrupted"))
}
