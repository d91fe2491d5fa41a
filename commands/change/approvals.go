package change

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/ecsmedic/ecsmedic/store"
	"github.com/ecsmedic/ecsmedic/svcref"
)

// Two-person approval (guards.approval.requireApprovers, README "Who may
// change what"): a change that needs N approvals waits, pending, until N
// different people approved it. The requester is never one of them, even
// with selfApprove: that setting lets one person act alone, which is what
// N ≥ 2 rules out. The terminal (the console) counts as one person.

var (
	errNeedMore = errors.New("more approvals are needed")
	errEnough   = errors.New("enough approvals already")
	errApproved = errors.New("approved already by this person")
)

// approversFor is how many approvals a change of t needs: the service's
// own requireApprovers, else the global one. A change of a cluster (its
// reservation scaling) touches every service on it, so it needs the most
// that any of them needs.
func (e *Engine) approversFor(t svcref.Ref) int {
	n := max(e.opt.RequireApprovers, 1)
	if t.Service != "" {
		if t.RequireApprovers > 0 {
			return t.RequireApprovers
		}
		if s, ok := e.opt.Services.Resolve(t.Name()); ok && s.Cluster == t.Cluster && s.RequireApprovers > 0 {
			return s.RequireApprovers
		}
		return n
	}
	for _, s := range e.opt.Services {
		if s.Cluster == t.Cluster && s.Target == t.Target { // the same cluster name in two targets is two clusters
			n = max(n, s.RequireApprovers)
		}
	}
	return n
}

// needed is how many approvals c needs; changes stored before the
// setting need one.
func needed(c store.Change) int { return max(c.RequireApprovers, 1) }

// approverID names an approver for counting: the terminal is one person,
// whoever sits at it.
func approverID(a Actor) string {
	if a.Console {
		return "console"
	}
	return a.ID
}

// approveOneOf records one approval of a change that needs several, and
// applies the change when it is the last one needed. Each step is one
// Transition, so of two people approving at once both are counted and
// exactly one of them applies it.
func (e *Engine) approveOneOf(ctx context.Context, ask Ask, c store.Change) Outcome {
	r := e.mayDecide(ask, c)
	if r == RefusalNone && !ask.Actor.Console && ask.Actor.ID == c.RequestedBy {
		r = RefusalSelfApproval
	}
	if r == RefusalNone {
		r = e.mayApprove(ask.Actor)
	}
	if r == RefusalNone && counted(c, ask.Actor) {
		r = RefusalApprovedAlready
	}
	if r != RefusalNone {
		e.audit(ctx, "denied", c, ask.Actor, "", "", denial(r))
		return e.refused(r, c, nil)
	}
	now := e.now()
	add := func(enough bool) func(*store.Change) error {
		return func(ch *store.Change) error {
			if now.After(ch.ExpiresAt) {
				return errExpired
			}
			if counted(*ch, ask.Actor) {
				return errApproved
			}
			ch.Approvals = append(ch.Approvals, store.Approval{By: approverID(ask.Actor), ByName: ask.Actor.display(), At: now})
			switch full := len(ch.Approvals) >= needed(*ch); {
			case enough && !full:
				return errNeedMore
			case !enough && full:
				return errEnough
			}
			if enough {
				ch.ApprovedBy, ch.ApprovedByName, ch.ApprovedAt, ch.Applier = ask.Actor.ID, ask.Actor.display(), now, e.instance
			}
			return nil
		}
	}
	// Two tries each way: another approval landing between them moves
	// the count, never back.
	id := c.ID
	var err error
	for range 3 {
		var nc store.Change
		nc, err = e.store.Transition(id, []store.Status{store.StatusPending}, store.StatusApproved, add(true))
		if err == nil {
			e.audit(ctx, "approved", nc, ask.Actor, "", "", approvalDetail(nc, ask.Actor))
			return e.apply(ctx, nc, true)
		}
		if !errors.Is(err, errNeedMore) {
			c = nc
			break
		}
		nc, err = e.store.Transition(id, []store.Status{store.StatusPending}, store.StatusPending, add(false))
		if err == nil {
			e.audit(ctx, "approval", nc, ask.Actor, "", "", approvalDetail(nc, ask.Actor))
			return e.result(nc, nil)
		}
		if !errors.Is(err, errEnough) {
			c = nc
			break
		}
	}
	switch {
	case errors.Is(err, errExpired):
		cur, _ := e.store.Change(id)
		cur, _ = e.expire(ctx, cur)
		return e.notPending(cur)
	case errors.Is(err, errApproved):
		cur, _ := e.store.Change(id)
		return e.refused(RefusalApprovedAlready, cur, nil)
	case errors.Is(err, store.ErrConflict):
		return e.notPending(c) // rejected, cancelled or applied meanwhile: c is as it is now
	case err == nil:
		return e.failed(errors.New("the approvals kept changing; try again"))
	}
	return e.failed(err)
}

// counted reports whether a's approval of c is already counted.
func counted(c store.Change, a Actor) bool {
	id := approverID(a)
	return slices.ContainsFunc(c.Approvals, func(x store.Approval) bool { return x.By == id })
}

// approvalDetail is the audit's note: which approval this is, and whose
// came before (in English, as the audit is).
func approvalDetail(c store.Change, a Actor) string {
	d := fmt.Sprintf("approval %d of %d", len(c.Approvals), needed(c))
	if a.Console {
		d += ", in the terminal (operator console)"
	}
	return d
}
