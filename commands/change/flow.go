package change

import (
	"context"
	"errors"
	"log/slog"

	"github.com/ecsmedic/ecsmedic/store"
)

// Ask is one person's action: who, and where.
type Ask struct {
	Actor     Actor
	DryRun    bool   // plan only: nothing stored, nothing sent
	ChannelID string // where the plan is posted, for later edits; where a decision is made
}

var errExpired = errors.New("the approval window has passed")

// Request plans a change and, unless the plan is refused or a dry run,
// stores it as pending with the service locked, for an approver.
func (e *Engine) Request(ctx context.Context, ask Ask, req Request) Outcome {
	if r := e.mayRequest(ask.Actor); r != RefusalNone {
		e.audit(ctx, "denied", store.Change{Kind: req.Kind, Cluster: req.Target.StoreCluster(), Service: req.Target.Service}, ask.Actor, "", "", denial(r))
		return e.refused(r, store.Change{}, nil)
	}
	b, err := e.build(ctx, req)
	if err != nil {
		return e.failed(err)
	}
	plan := b.plan
	if ask.DryRun {
		slog.InfoContext(ctx, "change planned (dry run)", "kind", req.Kind, "service", req.Target.Name(), "refused", plan.Refused(), "user", ask.Actor.ID)
		o := Outcome{DryRun: true, Plan: plan, Requests: b.requests(), At: e.now()}
		if plan.Refused() {
			o.Refusal, o.Requests = RefusalCheckFailed, nil
		}
		return o
	}
	if plan.Refused() {
		e.audit(ctx, "refused", store.Change{Kind: req.Kind, Cluster: req.Target.StoreCluster(), Service: req.Target.Service, Summary: e.english(plan.Subject)},
			ask.Actor, "", "", e.english(FirstFailure(plan)))
		return e.refused(RefusalCheckFailed, store.Change{}, plan)
	}
	now := e.now()
	c := store.Change{
		ID: e.newID(), Kind: req.Kind, Cluster: req.Target.StoreCluster(), Service: lockName(req.Target),
		Summary: e.english(plan.Subject), RequestedBy: ask.Actor.ID, RequestedByName: ask.Actor.display(),
		RequestedAt: now, ExpiresAt: now.Add(e.opt.ApprovalExpiry), Status: store.StatusPending,
		Plan: encodePlan(plan), Fingerprint: plan.Fingerprint, ChannelID: ask.ChannelID,
		RequireApprovers: e.approversFor(req.Target),
	}
	if o, ok := e.lock(ctx, c); !ok {
		return o
	}
	if err := e.store.CreateChange(c); err != nil {
		_ = e.store.UnlockService(c.Cluster, c.Service, c.ID)
		return e.failed(err)
	}
	e.audit(ctx, "requested", c, ask.Actor, plan.Subject.Args["Before"], plan.Subject.Args["After"], e.englishList(plan.Diff))
	o := e.result(c, plan)
	o.Console = ask.Actor.Console
	return o
}

// denial is a refusal as the audit says it.
func denial(r Refusal) string {
	switch r {
	case RefusalChangesOff:
		return "changes are off: no approver role is configured"
	case RefusalNotOperator:
		return "may not ask for changes"
	case RefusalNotApprover:
		return "may not approve"
	case RefusalSelfApproval:
		return "may not approve their own change"
	case RefusalNotRequester:
		return "may not cancel someone else's change"
	case RefusalWrongChannel:
		return "decided outside the channel where the plan was posted"
	case RefusalApprovedAlready:
		return "approved it already; another approver is needed"
	}
	return string(r)
}

// lock takes the service's lock for c, first expiring a holder whose time
// is up.
func (e *Engine) lock(ctx context.Context, c store.Change) (Outcome, bool) {
	var err error
	for range 2 {
		err = e.store.LockService(c.Cluster, c.Service, c.ID)
		var ce *store.ConflictError
		if err == nil || !errors.As(err, &ce) {
			break
		}
		// The store takes over the lock of a finished change; one that
		// is pending may have expired without anyone noticing.
		h, herr := e.load(ctx, ce.ChangeID)
		if herr != nil {
			return e.failed(herr), false
		}
		if !store.Finished(h.Status) {
			o := e.refused(RefusalLocked, store.Change{}, nil)
			o.Holder = h
			return o, false
		}
	}
	if err != nil {
		return e.failed(err), false
	}
	return Outcome{}, true
}

// load reads a change, marking it expired when its time is up.
func (e *Engine) load(ctx context.Context, id string) (store.Change, error) {
	c, err := e.store.Change(NormalizeID(id))
	if err != nil {
		return c, err
	}
	if c.Status == store.StatusPending && e.now().After(c.ExpiresAt) {
		return e.expire(ctx, c)
	}
	return c, nil
}

// expire marks a pending change expired, releases its lock and says so.
func (e *Engine) expire(ctx context.Context, c store.Change) (store.Change, error) {
	nc, err := e.store.Transition(c.ID, []store.Status{store.StatusPending}, store.StatusExpired, nil)
	if err != nil {
		if errors.Is(err, store.ErrConflict) {
			return e.store.Change(c.ID)
		}
		return c, err
	}
	_ = e.store.UnlockService(nc.Cluster, nc.Service, nc.ID)
	e.audit(ctx, "expired", nc, Actor{ID: "ecsmedic", Name: "ecsmedic"}, "", "", "not approved within "+e.opt.ApprovalExpiry.String())
	e.update(e.result(nc, nil))
	return nc, nil
}

// Sweep expires the pending changes whose time is up; the bot calls it
// periodically. It returns how many it expired.
func (e *Engine) Sweep(ctx context.Context) (int, error) {
	cs, err := e.store.Changes(store.ChangeFilter{Statuses: []store.Status{store.StatusPending}})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, c := range cs {
		if e.now().After(c.ExpiresAt) {
			if nc, err := e.expire(ctx, c); err == nil && nc.Status == store.StatusExpired {
				n++
			}
		}
	}
	return n, nil
}

// Approve approves a pending change and applies it. Exactly one approval
// wins; the others are told who approved it.
func (e *Engine) Approve(ctx context.Context, ask Ask, id string) Outcome {
	if e.mayApprove(ask.Actor) == RefusalChangesOff {
		return e.refused(RefusalChangesOff, store.Change{}, nil)
	}
	c, err := e.load(ctx, id)
	if err != nil {
		return e.lookupFailed(id, err)
	}
	if c.Status == store.StatusApplying && ask.Actor.Console && !e.opt.Background {
		// A follow-up an earlier one-shot left (stopped by a signal, or
		// killed): the terminal holds the store alone, so nobody else
		// follows it; settle it or follow it, sending nothing again.
		return e.resumeOne(ctx, c, true)
	}
	if c.Status != store.StatusPending {
		return e.notPending(c)
	}
	if needed(c) > 1 {
		return e.approveOneOf(ctx, ask, c)
	}
	r := e.mayDecide(ask, c)
	if r == RefusalNone && !e.opt.SelfApprove && !ask.Actor.Console && ask.Actor.ID == c.RequestedBy {
		r = RefusalSelfApproval
	}
	if r == RefusalNone {
		r = e.mayApprove(ask.Actor)
	}
	if r != RefusalNone {
		e.audit(ctx, "denied", c, ask.Actor, "", "", denial(r))
		return e.refused(r, c, nil)
	}
	now := e.now()
	c, err = e.store.Transition(c.ID, []store.Status{store.StatusPending}, store.StatusApproved, func(ch *store.Change) error {
		if now.After(ch.ExpiresAt) {
			return errExpired
		}
		ch.ApprovedBy, ch.ApprovedByName, ch.ApprovedAt, ch.Applier = ask.Actor.ID, ask.Actor.display(), now, e.instance
		return nil
	})
	switch {
	case errors.Is(err, errExpired):
		cur, _ := e.store.Change(NormalizeID(id))
		cur, _ = e.expire(ctx, cur)
		return e.notPending(cur)
	case errors.Is(err, store.ErrConflict):
		// Another click or approver won; c is the change as it is now.
		return e.notPending(c)
	case err != nil:
		return e.failed(err)
	}
	detail := ""
	if ask.Actor.Console {
		detail = "approved in the terminal (operator console)"
	}
	e.audit(ctx, "approved", c, ask.Actor, "", "", detail)
	return e.apply(ctx, c, true)
}

// mayDecide: approve and reject only in the channel where the plan was
// posted, so that a decision is made where the team sees the plan. The
// terminal and plans made at the terminal are not bound to a channel.
func (e *Engine) mayDecide(ask Ask, c store.Change) Refusal {
	if ask.Actor.Console || c.ChannelID == "" || ask.ChannelID == c.ChannelID {
		return RefusalNone
	}
	return RefusalWrongChannel
}

// Reject turns a pending change down. An approver may reject; the
// requester's own reject is a cancel.
func (e *Engine) Reject(ctx context.Context, ask Ask, id string) Outcome {
	return e.end(ctx, ask, id, store.StatusRejected)
}

// Cancel withdraws a pending change; only its requester (or the console)
// may.
func (e *Engine) Cancel(ctx context.Context, ask Ask, id string) Outcome {
	return e.end(ctx, ask, id, store.StatusCancelled)
}

func (e *Engine) end(ctx context.Context, ask Ask, id string, to store.Status) Outcome {
	if to == store.StatusRejected && e.mayApprove(ask.Actor) == RefusalChangesOff {
		return e.refused(RefusalChangesOff, store.Change{}, nil)
	}
	c, err := e.load(ctx, id)
	if err != nil {
		return e.lookupFailed(id, err)
	}
	if c.Status != store.StatusPending {
		return e.notPending(c)
	}
	own := ask.Actor.Console || (ask.Actor.ID != "" && ask.Actor.ID == c.RequestedBy)
	r := RefusalNone
	switch {
	case to == store.StatusRejected && own:
		to = store.StatusCancelled
	case to == store.StatusRejected:
		if r = e.mayDecide(ask, c); r == RefusalNone {
			r = e.mayApprove(ask.Actor)
		}
	case to == store.StatusCancelled && !own:
		r = RefusalNotRequester
	}
	if r != RefusalNone {
		e.audit(ctx, "denied", c, ask.Actor, "", "", denial(r))
		return e.refused(r, c, nil)
	}
	c, err = e.store.Transition(c.ID, []store.Status{store.StatusPending}, to, func(ch *store.Change) error {
		ch.Result = ask.Actor.display()
		return nil
	})
	if errors.Is(err, store.ErrConflict) {
		return e.notPending(c)
	}
	if err != nil {
		return e.failed(err)
	}
	_ = e.store.UnlockService(c.Cluster, c.Service, c.ID)
	event := "rejected"
	if to == store.StatusCancelled {
		event = "cancelled"
	}
	e.audit(ctx, event, c, ask.Actor, "", "", "")
	return e.result(c, nil)
}

// Posted records where the bot posted a change's message, so that later
// updates edit it.
func (e *Engine) Posted(id, channelID, messageID string) error {
	for range 3 {
		c, err := e.store.Change(NormalizeID(id))
		if err != nil {
			return err
		}
		_, err = e.store.Transition(c.ID, []store.Status{c.Status}, c.Status, func(ch *store.Change) error {
			ch.ChannelID, ch.MessageID = channelID, messageID
			return nil
		})
		if !errors.Is(err, store.ErrConflict) {
			return err
		}
	}
	return store.ErrConflict
}

// Get reads a change (expiring it when its time is up), for the bot.
func (e *Engine) Get(ctx context.Context, id string) (store.Change, error) {
	return e.load(ctx, id)
}

// Show is a change as it now stands.
func (e *Engine) Show(ctx context.Context, id string) Outcome {
	c, err := e.load(ctx, id)
	if err != nil {
		return e.lookupFailed(id, err)
	}
	return e.result(c, nil)
}

func (e *Engine) update(o Outcome) {
	if e.opt.Update != nil {
		e.opt.Update(o)
	}
}
