package change

import (
	"context"
	"errors"
	"log/slog"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"

	"github.com/ecsmedic/ecsmedic/store"
)

// Resume settles the changes a restart interrupted; the bot calls it once
// at start. An approved change whose apply never began is applied (the
// apply checks the plan again). An applying change is checked against
// AWS: when its new revision or setting is in place it is followed to the
// end or marked applied; otherwise it is marked failed with what was done,
// and nothing is sent again. Expired pending changes are expired.
func (e *Engine) Resume(ctx context.Context) error { return e.resume(ctx, true, true) }

// TakeOver is Resume for a leader looking, again and again, for changes a
// dead replica left: the bot's sweeper already expires pending changes,
// so it does not sweep.
func (e *Engine) TakeOver(ctx context.Context) error { return e.resume(ctx, true, false) }

// Settle is Resume without following: what a restart left half done is
// settled, but a deployment in place stays applying, to be followed by the
// bot or by `approve ID` at the terminal. A one-shot calls it at start, so
// that `cancel` of one change never waits on another's deployment.
func (e *Engine) Settle(ctx context.Context) error { return e.resume(ctx, false, true) }

// errTaken: another replica took the change over first.
var errTaken = errors.New("another replica resumes this change")

// Replicas makes the engine one of several replicas on a shared store:
// the changes it approves and applies carry instance, and Resume leaves
// alone those a replica alive(applier) still applies, and takes over the
// others (README "Running more than one replica"). Call it before the
// engine is used.
func (e *Engine) Replicas(instance string, alive func(instance string) bool) {
	e.instance, e.alive = instance, alive
}

func (e *Engine) resume(ctx context.Context, follow, sweep bool) error {
	if sweep {
		if _, err := e.Sweep(ctx); err != nil {
			return err
		}
	}
	cs, err := e.store.Changes(store.ChangeFilter{Statuses: []store.Status{store.StatusApproved, store.StatusApplying}})
	if err != nil {
		return err
	}
	for _, c := range cs {
		if e.alive != nil {
			if c.Applier != "" && e.alive(c.Applier) {
				continue // another replica, alive, is applying it
			}
			// Take it over, once: of replicas resuming it at the same
			// time, the one whose write lands resumes it.
			taken, err := e.store.Transition(c.ID, []store.Status{c.Status}, c.Status, func(ch *store.Change) error {
				if ch.Applier != c.Applier {
					return errTaken
				}
				ch.Applier = e.instance
				return nil
			})
			if err != nil {
				continue // taken by another, or moved on
			}
			c = taken
		}
		slog.InfoContext(ctx, "resuming a change", "change", c.ID, "status", c.Status)
		o := e.resumeOne(ctx, c, follow)
		if cur, err := e.store.Change(c.ID); err == nil {
			c = cur
		}
		if o.Change.ID == "" {
			o.Change = c
		}
		if (follow && !e.opt.Background) || store.Finished(c.Status) {
			e.update(o)
		}
	}
	return nil
}

func (e *Engine) resumeOne(ctx context.Context, c store.Change, follow bool) Outcome {
	if c.Status == store.StatusApproved {
		return e.apply(ctx, c, follow)
	}
	plan, err := decodePlan(c.Plan)
	if err != nil {
		return e.finish(ctx, c, nil, store.StatusFailed, T("error.plan_unreadable"))
	}
	t := plan.Request.Target
	in, _, err := e.inPlace(ctx, plan)
	if err != nil {
		return e.failed(err) // left applying; the next start tries again
	}
	switch {
	case in && plan.Deploys:
		return e.followUp(ctx, c, plan, follow)
	case in:
		return e.finish(ctx, c, plan, store.StatusApplied, T("outcome.applied"))
	case !plan.Deploys:
		return e.finish(ctx, c, plan, store.StatusFailed, T("error.interrupted"))
	case plan.Request.Kind != KindRollback && plan.NewTaskDefinition != "":
		return e.finish(ctx, c, plan, store.StatusFailed, T("error.interrupted_registered", "Revision", revName(plan.NewTaskDefinition), "Service", t.Name()))
	case plan.Request.Kind == KindScaleCPU || plan.Request.Kind == KindScaleMemory:
		return e.finish(ctx, c, plan, store.StatusFailed, T("error.interrupted_maybe_registered", "Base", revName(plan.BaseTaskDefinition)))
	}
	return e.finish(ctx, c, plan, store.StatusFailed, T("error.interrupted"))
}

// inPlace reads AWS again and says whether the plan's change is in place:
// the service runs its new revision or count, or its setting is already
// so (planned again, the "already so" check fails). For a deployment it
// also says which revision the service runs now.
func (e *Engine) inPlace(ctx context.Context, plan *Plan) (in bool, running string, err error) {
	if plan.Deploys {
		svc, err := e.describe(ctx, plan.Request.Target)
		if err != nil {
			return false, "", err
		}
		running = revName(awssdk.ToString(svc.TaskDefinition))
		if plan.Request.Kind == KindScaleCount {
			return int(svc.DesiredCount) == plan.Request.Value, running, nil
		}
		return plan.NewTaskDefinition != "" && running == revName(plan.NewTaskDefinition), running, nil
	}
	b, err := e.build(ctx, plan.Request)
	if err != nil {
		return false, "", err
	}
	for _, ch := range b.plan.Checks {
		if ch.Name.ID == "check.change" && !ch.Pass {
			return true, "", nil
		}
	}
	return false, "", nil
}
