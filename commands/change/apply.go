package change

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/applicationautoscaling"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/smithy-go"

	"github.com/ecsmedic/ecsmedic/aws"
	"github.com/ecsmedic/ecsmedic/store"
)

// applyTimeout bounds the checks and writes of one apply (not the
// follow-up).
const applyTimeout = 2 * time.Minute

// apply carries out an approved change exactly once: the approved →
// applying transition is the gate, the plan is checked again against AWS,
// then the writes are sent in order, none retried by the engine. With
// follow false a deployment is left applying once its writes are sent,
// for the bot (or `approve ID` at the terminal) to follow.
func (e *Engine) apply(ctx context.Context, c store.Change, follow bool) Outcome {
	c, err := e.store.Transition(c.ID, []store.Status{store.StatusApproved}, store.StatusApplying, func(ch *store.Change) error {
		ch.UpdatedAt, ch.Applier = e.now(), e.instance
		return nil
	})
	if errors.Is(err, store.ErrConflict) {
		cur, _ := e.store.Change(c.ID)
		return e.notPending(cur)
	}
	if err != nil {
		return e.failed(err)
	}
	plan, err := decodePlan(c.Plan)
	if err != nil {
		return e.finish(ctx, c, nil, store.StatusFailed, T("error.plan_unreadable"))
	}
	ctx = forTarget(ctx, plan.Request.Target)
	// The writes must not stop halfway because a chat command's context
	// ended.
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), applyTimeout)
	defer cancel()
	b, err := e.build(actx, plan.Request)
	if err != nil {
		return e.finish(ctx, c, plan, store.StatusFailed, T("error.recheck", "Err", err.Error()))
	}
	if b.plan.Fingerprint != plan.Fingerprint {
		key, was, is := stateDiff(plan.State, b.plan.State)
		return e.finish(ctx, c, plan, store.StatusFailed, T("error.stale", "What", key, "Was", was, "Is", is))
	}
	if b.plan.Refused() {
		return e.finish(ctx, c, plan, store.StatusFailed, T("error.check_fails", "Reason", e.english(FirstFailure(b.plan))))
	}
	if b.register != nil {
		clients, err := e.clients(actx)
		if err != nil {
			return e.finish(ctx, c, plan, store.StatusFailed, T("error.recheck", "Err", err.Error()))
		}
		out, err := clients.RegisterTaskDefinition(actx, b.register, false)
		if err != nil && outcomeUnknown(err) {
			// The service was not touched; a revision may exist anyway.
			return e.finish(ctx, c, plan, store.StatusFailed, T("error.register_unknown", "Err", err.Error(),
				"Family", awssdk.ToString(b.register.Family)))
		}
		if err != nil {
			return e.finish(ctx, c, plan, store.StatusFailed, T("error.register", "Err", err.Error()))
		}
		arn := awssdk.ToString(out.TaskDefinition.TaskDefinitionArn)
		plan.NewTaskDefinition = arn
		if nc, err := e.store.Transition(c.ID, []store.Status{store.StatusApplying}, store.StatusApplying, func(ch *store.Change) error {
			ch.Plan = encodePlan(plan)
			return nil
		}); err == nil {
			c = nc
		} else {
			slog.ErrorContext(ctx, "recording the registered revision failed", "change", c.ID, "revision", arn, "err", err)
		}
		e.audit(ctx, "registered", c, Actor{ID: "ecsmedic", Name: "ecsmedic"}, revName(plan.BaseTaskDefinition), revName(arn), "")
		for _, w := range b.writes {
			if u, ok := w.(*ecs.UpdateServiceInput); ok && u.TaskDefinition == nil {
				u.TaskDefinition = awssdk.String(arn)
			}
		}
	}
	var done []string
	for i, w := range b.writes {
		r, _ := aws.RequestFor(w)
		err := e.send(actx, w)
		if err != nil && outcomeUnknown(err) {
			// AWS may have carried it out: read it again rather than
			// guess, and say only what the read shows.
			if i < len(b.writes)-1 {
				return e.finish(ctx, c, plan, store.StatusFailed, T("error.write_unknown", "Action", r.Action(), "Err", err.Error(),
					"Service", plan.Request.Target.Name()))
			}
			in, running, rerr := e.inPlace(actx, plan)
			switch {
			case rerr != nil:
				slog.WarnContext(ctx, "reading AWS again after an unclear write failed", "change", c.ID, "action", r.Action(), "err", rerr)
				return e.finish(ctx, c, plan, store.StatusFailed, T("error.write_unknown", "Action", r.Action(), "Err", err.Error(),
					"Service", plan.Request.Target.Name()))
			case in:
				slog.InfoContext(ctx, "an unclear write went through", "change", c.ID, "action", r.Action(), "err", err)
				err = nil
			case b.register != nil:
				return e.finish(ctx, c, plan, store.StatusFailed, T("error.after_register_checked", "Action", r.Action(), "Err", err.Error(),
					"Revision", revName(plan.NewTaskDefinition), "Service", plan.Request.Target.Name(), "Current", running))
			case len(done) == 0:
				return e.finish(ctx, c, plan, store.StatusFailed, T("error.write_checked", "Action", r.Action(), "Err", err.Error()))
			}
		}
		if err != nil {
			switch {
			case plan.NewTaskDefinition != "" && b.register != nil:
				return e.finish(ctx, c, plan, store.StatusFailed, T("error.after_register", "Action", r.Action(), "Err", err.Error(),
					"Revision", revName(plan.NewTaskDefinition), "Service", plan.Request.Target.Name(), "Base", revName(plan.BaseTaskDefinition)))
			case len(done) > 0:
				return e.finish(ctx, c, plan, store.StatusFailed, T("error.partial", "Action", r.Action(), "Err", err.Error(), "Done", fmt.Sprint(done),
					"Service", plan.Request.Target.Name()))
			default:
				return e.finish(ctx, c, plan, store.StatusFailed, T("error.write", "Action", r.Action(), "Err", err.Error()))
			}
		}
		done = append(done, r.Action())
	}
	if !plan.Deploys {
		return e.finish(ctx, c, plan, store.StatusApplied, T("outcome.applied"))
	}
	return e.followUp(ctx, c, plan, follow)
}

// followUp follows a deployment that is in place: in the background for
// the bot, to the end (or until ctx ends, a signal at the terminal) for a
// one-shot, or not at all, leaving the change applying with its writes
// recorded, for Resume or `approve ID` to pick up.
func (e *Engine) followUp(ctx context.Context, c store.Change, plan *Plan, follow bool) Outcome {
	switch {
	case e.opt.Background:
		// Taken before the follow-up starts: it changes plan as it goes.
		o := e.result(c, clonePlan(plan))
		e.followInBackground(c, plan)
		return o
	case !follow:
		return e.result(c, plan)
	}
	return e.follow(ctx, c, plan)
}

// send makes one write; deleting what is already gone counts as done.
func (e *Engine) send(ctx context.Context, w any) error {
	clients, err := e.clients(ctx)
	if err != nil {
		return err
	}
	_, err = clients.Send(ctx, w, false) // the one catalogue of writes (aws/writers.go)
	var api smithy.APIError
	if err != nil && errors.As(err, &api) && api.ErrorCode() == "ObjectNotFoundException" {
		switch w.(type) {
		case *applicationautoscaling.DeleteScalingPolicyInput, *applicationautoscaling.DeregisterScalableTargetInput:
			return nil
		}
	}
	return err
}

// finish ends a change that is applying: its outcome stored, its lock
// released, the audit written.
func (e *Engine) finish(ctx context.Context, c store.Change, plan *Plan, status store.Status, outcome Text) Outcome {
	if plan == nil {
		plan = &Plan{}
	}
	plan.Outcome = &outcome
	msg := e.english(outcome)
	nc, err := e.store.Transition(c.ID, []store.Status{store.StatusApplying}, status, func(ch *store.Change) error {
		ch.Plan = encodePlan(plan)
		ch.UpdatedAt = e.now()
		if status == store.StatusApplied {
			ch.Result = msg
		} else {
			ch.Error = msg
		}
		return nil
	})
	if err != nil {
		slog.ErrorContext(ctx, "recording a change's outcome failed", "change", c.ID, "status", status, "err", err)
		nc = c
		nc.Status = status
	}
	if err := e.store.UnlockService(c.Cluster, c.Service, c.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
		slog.WarnContext(ctx, "releasing a service lock failed", "change", c.ID, "err", err)
	}
	before, after := plan.Subject.Args["Before"], plan.Subject.Args["After"]
	if plan.NewTaskDefinition != "" {
		before, after = revName(plan.BaseTaskDefinition), revName(plan.NewTaskDefinition)
	}
	e.audit(ctx, string(status), nc, Actor{ID: "ecsmedic", Name: "ecsmedic"}, before, after, msg)
	return e.result(nc, plan)
}
