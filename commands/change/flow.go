package change

import (
	"context"
	"errors"
	"log/slog"

	"github.com/ecsmedic/ecsmedic/commands/reply"
	"github.com/ecsmedic/ecsmedic/store"
)

// Ask is one person's action: who, in which language, where.
type Ask struct {
	Actor     Actor
	Locale    string // "en" or "ko"; "" = the engine's
	DryRun    bool   // plan only: nothing stored, nothing sent
	ChannelID string // where the plan is posted, for later edits
}

var errExpired = errors.New("the approval window has passed")

// Request plans a change and, unless the plan is refused or a dry run,
// stores it as pending with the service locked, for an approver.
func (e *Engine) Request(ctx context.Context, ask Ask, req Request) reply.Message {
	p := e.printer(ask.Locale)
	if !e.mayRequest(ask.Actor) {
		e.audit(ctx, "denied", store.Change{Kind: req.Kind, Cluster: req.Target.Cluster, Service: req.Target.Service}, ask.Actor, "", "", "may not ask for changes")
		return e.notAllowed(p, "error.not_operator")
	}
	b, err := e.build(ctx, req)
	if err != nil {
		return e.errorMessage(p, err)
	}
	plan := b.plan
	if ask.DryRun {
		slog.InfoContext(ctx, "change planned (dry run)", "kind", req.Kind, "service", req.Target.Name(), "refused", plan.Refused(), "user", ask.Actor.ID)
		return e.dryRunMessage(p, b)
	}
	if plan.Refused() {
		e.audit(ctx, "refused", store.Change{Kind: req.Kind, Cluster: req.Target.Cluster, Service: req.Target.Service, Summary: e.english(plan.Subject)},
			ask.Actor, "", "", e.english(firstFailure(plan)))
		return e.refusedMessage(p, plan)
	}
	now := e.now()
	c := store.Change{
		ID: e.newID(), Kind: req.Kind, Cluster: req.Target.Cluster, Service: lockName(req.Target),
		Summary: e.english(plan.Subject), RequestedBy: ask.Actor.ID, RequestedByName: ask.Actor.display(),
		RequestedAt: now, ExpiresAt: now.Add(e.opt.Guards.Approval.Expiry), Status: store.StatusPending,
		Plan: encodePlan(plan), Fingerprint: plan.Fingerprint, ChannelID: ask.ChannelID,
	}
	if m, ok := e.lock(ctx, p, c); !ok {
		return m
	}
	if err := e.store.CreateChange(c); err != nil {
		_ = e.store.UnlockService(c.Cluster, c.Service, c.ID)
		return e.errorMessage(p, err)
	}
	e.audit(ctx, "requested", c, ask.Actor, plan.Subject.Args["Before"], plan.Subject.Args["After"], e.englishList(plan.Diff))
	return e.pendingMessage(p, c, plan, ask.Actor.Console)
}

// lock takes the service's lock for c, first expiring a holder whose time
// is up.
func (e *Engine) lock(ctx context.Context, p printer, c store.Change) (reply.Message, bool) {
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
			return e.errorMessage(p, herr), false
		}
		if !store.Finished(h.Status) {
			return e.busyMessage(p, h), false
		}
	}
	if err != nil {
		return e.errorMessage(p, err), false
	}
	return reply.Message{}, true
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
	nc, err := e.store.Transition(c.ID, []string{store.StatusPending}, store.StatusExpired, nil)
	if err != nil {
		if errors.Is(err, store.ErrConflict) {
			return e.store.Change(c.ID)
		}
		return c, err
	}
	_ = e.store.UnlockService(nc.Cluster, nc.Service, nc.ID)
	e.audit(ctx, "expired", nc, Actor{ID: "ecsmedic", Name: "ecsmedic"}, "", "", "not approved within "+e.opt.Guards.Approval.Expiry.String())
	e.update(nc, e.statusMessage(e.printer(""), nc, nil))
	return nc, nil
}

// Sweep expires the pending changes whose time is up; the bot calls it
// periodically. It returns how many it expired.
func (e *Engine) Sweep(ctx context.Context) (int, error) {
	cs, err := e.store.Changes(store.ChangeFilter{Statuses: []string{store.StatusPending}})
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
func (e *Engine) Approve(ctx context.Context, ask Ask, id string) reply.Message {
	p := e.printer(ask.Locale)
	c, err := e.load(ctx, id)
	if err != nil {
		return e.lookupError(p, id, err)
	}
	if c.Status != store.StatusPending {
		return e.notPendingMessage(p, c)
	}
	if !e.opt.Guards.Approval.SelfApprove && !ask.Actor.Console && ask.Actor.ID == c.RequestedBy {
		e.audit(ctx, "denied", c, ask.Actor, "", "", "may not approve their own change")
		return e.notAllowed(p, "error.self_approve")
	}
	if !e.mayApprove(ask.Actor) {
		e.audit(ctx, "denied", c, ask.Actor, "", "", "may not approve")
		return e.notAllowed(p, "error.not_approver")
	}
	now := e.now()
	c, err = e.store.Transition(c.ID, []string{store.StatusPending}, store.StatusApproved, func(ch *store.Change) error {
		if now.After(ch.ExpiresAt) {
			return errExpired
		}
		ch.ApprovedBy, ch.ApprovedByName, ch.ApprovedAt = ask.Actor.ID, ask.Actor.display(), now
		return nil
	})
	switch {
	case errors.Is(err, errExpired):
		cur, _ := e.store.Change(NormalizeID(id))
		cur, _ = e.expire(ctx, cur)
		return e.notPendingMessage(p, cur)
	case errors.Is(err, store.ErrConflict):
		// Another click or approver won; c is the change as it is now.
		return e.notPendingMessage(p, c)
	case err != nil:
		return e.errorMessage(p, err)
	}
	detail := ""
	if ask.Actor.Console {
		detail = "approved in the terminal (operator console)"
	}
	e.audit(ctx, "approved", c, ask.Actor, "", "", detail)
	return e.apply(ctx, p, c)
}

// Reject turns a pending change down. An approver may reject; the
// requester's own reject is a cancel.
func (e *Engine) Reject(ctx context.Context, ask Ask, id string) reply.Message {
	return e.end(ctx, ask, id, store.StatusRejected)
}

// Cancel withdraws a pending change; only its requester (or the console)
// may.
func (e *Engine) Cancel(ctx context.Context, ask Ask, id string) reply.Message {
	return e.end(ctx, ask, id, store.StatusCancelled)
}

func (e *Engine) end(ctx context.Context, ask Ask, id, to string) reply.Message {
	p := e.printer(ask.Locale)
	c, err := e.load(ctx, id)
	if err != nil {
		return e.lookupError(p, id, err)
	}
	if c.Status != store.StatusPending {
		return e.notPendingMessage(p, c)
	}
	own := ask.Actor.Console || (ask.Actor.ID != "" && ask.Actor.ID == c.RequestedBy)
	switch {
	case to == store.StatusRejected && own:
		to = store.StatusCancelled
	case to == store.StatusRejected && !e.mayApprove(ask.Actor):
		e.audit(ctx, "denied", c, ask.Actor, "", "", "may not reject")
		return e.notAllowed(p, "error.not_approver")
	case to == store.StatusCancelled && !own:
		e.audit(ctx, "denied", c, ask.Actor, "", "", "may not cancel someone else's change")
		return e.notAllowed(p, "error.not_requester")
	}
	c, err = e.store.Transition(c.ID, []string{store.StatusPending}, to, func(ch *store.Change) error {
		ch.Result = ask.Actor.display()
		return nil
	})
	if errors.Is(err, store.ErrConflict) {
		return e.notPendingMessage(p, c)
	}
	if err != nil {
		return e.errorMessage(p, err)
	}
	_ = e.store.UnlockService(c.Cluster, c.Service, c.ID)
	event := "rejected"
	if to == store.StatusCancelled {
		event = "cancelled"
	}
	e.audit(ctx, event, c, ask.Actor, "", "", "")
	return e.statusMessage(p, c, nil)
}

// Posted records where the bot posted a change's message, so that later
// updates edit it.
func (e *Engine) Posted(id, channelID, messageID string) error {
	for range 3 {
		c, err := e.store.Change(NormalizeID(id))
		if err != nil {
			return err
		}
		_, err = e.store.Transition(c.ID, []string{c.Status}, c.Status, func(ch *store.Change) error {
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

// Show renders a change as its message now stands.
func (e *Engine) Show(ctx context.Context, locale, id string) reply.Message {
	p := e.printer(locale)
	c, err := e.load(ctx, id)
	if err != nil {
		return e.lookupError(p, id, err)
	}
	return e.statusMessage(p, c, nil)
}

func (e *Engine) update(c store.Change, m reply.Message) {
	if e.opt.Update != nil {
		e.opt.Update(c, m)
	}
}
