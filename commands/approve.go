package commands

import (
	"context"
	"errors"
	"strings"

	"github.com/ecsmedic/ecsmedic/commands/change"
	"github.com/ecsmedic/ecsmedic/commands/reply"
)

func approveCommand() command {
	return command{Name: "approve", Run: decide(Approve)}
}

func rejectCommand() command {
	return command{Name: "reject", Run: decide(Reject)}
}

func cancelCommand() command {
	return command{Name: "cancel", Run: decide(Cancel)}
}

// Decision is what someone decides about a pending change.
type Decision string

// Decisions, named as the commands and the buttons' actions.
const (
	Approve Decision = "approve"
	Reject  Decision = "reject"
	Cancel  Decision = "cancel"
)

// ParseDecision reads a button's action ("approve", "reject", "cancel").
func ParseDecision(action string) (Decision, bool) {
	switch d := Decision(action); d {
	case Approve, Reject, Cancel:
		return d, true
	}
	return "", false
}

var errChangesOff = errors.New("guarded changes are not set up here")

// Decide approves, rejects or cancels change id as in's user: the typed
// entry point that the buttons and the terminal call. It returns the
// outcome and its reply in in's language; in.OnChange is told the
// engine's outcome.
func (r *Router) Decide(ctx context.Context, in Input, d Decision, id string) (change.Outcome, reply.Message) {
	c := &call{in: in, p: r.printer(in.Locale), line: Line{Command: string(d), Args: []string{id}}}
	if m := r.changesReady(c, string(d)); m != nil {
		return change.Outcome{Refusal: change.RefusalError, Err: errChangesOff}, *m
	}
	o := r.decision(ctx, in, d, id)
	return o, r.changed(c, o)[0]
}

func (r *Router) decision(ctx context.Context, in Input, d Decision, id string) change.Outcome {
	ask := in.ask(false)
	switch d {
	case Approve:
		return r.env.Changes.Approve(ctx, ask, id)
	case Reject:
		return r.env.Changes.Reject(ctx, ask, id)
	}
	return r.env.Changes.Cancel(ctx, ask, id)
}

// decide answers `approve ID`, `reject ID` and `cancel ID`, and the
// buttons' "approve:ID" and "reject:ID".
func decide(d Decision) func(ctx context.Context, r *Router, c *call) []reply.Message {
	cmd := string(d)
	return func(ctx context.Context, r *Router, c *call) []reply.Message {
		if len(c.line.Args) != 1 {
			return []reply.Message{r.errorReply(c.p, cmd, badArg("usage.need_id", "Command", cmd))}
		}
		if m := r.changesReady(c, cmd); m != nil {
			return []reply.Message{*m}
		}
		return r.changed(c, r.decision(ctx, c.in, d, c.line.Args[0]))
	}
}

// ParseButton reads a change button's ID, "approve:ID" (or reject:,
// cancel:): the decision and the change's ID.
func ParseButton(button string) (Decision, string, bool) {
	action, id, ok := strings.Cut(strings.ToLower(strings.TrimSpace(button)), ":")
	d, known := ParseDecision(action)
	if !ok || !known || id == "" || strings.ContainsAny(id, " \t") {
		return "", "", false
	}
	return d, id, true
}

// buttonLine turns a button's "approve:ID" into "approve ID".
func buttonLine(l Line) Line {
	if d, id, ok := ParseButton(l.Command); ok {
		return Line{Command: string(d), Args: append([]string{id}, l.Args...)}
	}
	return l
}
