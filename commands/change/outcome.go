package change

import (
	"errors"
	"time"

	"github.com/ecsmedic/ecsmedic/aws"
	"github.com/ecsmedic/ecsmedic/store"
)

// Refusal says why the engine did nothing with an action. The empty
// Refusal means the action went through (the change's Status says where
// it stands now).
type Refusal string

// Refusals.
const (
	RefusalNone Refusal = ""
	// RefusalChangesOff: no approver role is configured, so changes are
	// off in chat (discord.roles.approvers turns them on).
	RefusalChangesOff   Refusal = "changes-off"
	RefusalNotOperator  Refusal = "not-operator"  // may not ask for changes
	RefusalNotApprover  Refusal = "not-approver"  // may not approve or reject
	RefusalNotRequester Refusal = "not-requester" // may not cancel someone else's change
	RefusalSelfApproval Refusal = "self-approval" // asked for it, so may not approve it
	// RefusalApprovedAlready: this person's approval of a change that
	// needs several is already counted.
	RefusalApprovedAlready Refusal = "approved-already"
	// RefusalWrongChannel: approve and reject only in the channel where the
	// plan was posted.
	RefusalWrongChannel Refusal = "wrong-channel"
	RefusalCheckFailed  Refusal = "check-failed" // a check of the plan fails
	RefusalLocked       Refusal = "locked"       // another change holds the service
	RefusalDecided      Refusal = "decided"      // no longer pending: approved, rejected or cancelled
	RefusalExpired      Refusal = "expired"      // nobody approved it in time
	RefusalUnknown      Refusal = "unknown"      // no change has that ID
	RefusalError        Refusal = "error"        // reading AWS or the store failed
)

// Outcome is what an action on a change came to, as values: the caller
// renders it for Discord or the terminal.
type Outcome struct {
	// Change is the change as it stands after the action (zero when the
	// action never made or found one).
	Change store.Change
	// Plan is the change's plan, with its outcome and progress; nil when
	// there is none.
	Plan    *Plan
	Status  store.Status // the change's status; "" when there is no change
	Refusal Refusal

	DryRun   bool
	Requests []aws.Request // a dry run's requests, as apply would send them

	ID     string       // the ID asked about (RefusalUnknown)
	Holder store.Change // the change holding the service (RefusalLocked)
	Err    error        // what failed (RefusalError)

	Console     bool      // asked for at the terminal, which may approve its own
	SelfApprove bool      // requesters may approve their own changes
	At          time.Time // when the engine answered
}

// Refused reports whether the action was turned down or could not run:
// nothing changed, and the answer is for the person who acted alone.
func (o Outcome) Refused() bool { return o.Refusal != RefusalNone }

// Pending reports whether the outcome is a plan waiting for approval.
func (o Outcome) Pending() bool { return !o.Refused() && !o.DryRun && o.Status == store.StatusPending }

// result is a change as it stands, with its plan.
func (e *Engine) result(c store.Change, plan *Plan) Outcome {
	if plan == nil {
		plan, _ = decodePlan(c.Plan)
		if plan == nil {
			plan = &Plan{}
		}
	}
	return Outcome{Change: c, Plan: plan, Status: c.Status, SelfApprove: e.opt.SelfApprove, At: e.now()}
}

// refused is an action turned down; c is the change it was about, if any.
func (e *Engine) refused(r Refusal, c store.Change, plan *Plan) Outcome {
	o := Outcome{Change: c, Plan: plan, Status: c.Status, Refusal: r, ID: c.ID, SelfApprove: e.opt.SelfApprove, At: e.now()}
	return o
}

// failed is an action that could not run because a read failed.
func (e *Engine) failed(err error) Outcome {
	return Outcome{Refusal: RefusalError, Err: err, At: e.now()}
}

// notPending answers a decision on a change that is no longer waiting.
func (e *Engine) notPending(c store.Change) Outcome {
	if c.Status == store.StatusExpired {
		return e.refused(RefusalExpired, c, nil)
	}
	return e.refused(RefusalDecided, c, nil)
}

// lookupFailed answers an ID that names no change, or a failed read.
func (e *Engine) lookupFailed(id string, err error) Outcome {
	o := e.failed(err)
	if errors.Is(err, store.ErrNotFound) {
		o.Refusal, o.ID = RefusalUnknown, id
	}
	return o
}
