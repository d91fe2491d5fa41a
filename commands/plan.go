package commands

import (
	"context"
	"errors"

	"github.com/ecsmedic/ecsmedic/commands/change"
	"github.com/ecsmedic/ecsmedic/commands/reply"
	"github.com/ecsmedic/ecsmedic/commands/text"
)

// ChangeRequest asks for a guarded change's plan: a ScaleRequest,
// ReservationRequest, AutoscaleRequest, HealthcheckRequest or
// RollbackRequest. The command line, slash commands and the chat build
// one and hand it to Router.Plan; only the chat reads it from text
// (ParseChange).
type ChangeRequest interface {
	// Command is the command that asks for it, "scale" and so on.
	Command() string
	// service is the service the change is about; "" for a cluster-wide one.
	service() string
	// request is the engine's request for target, or a usage error.
	request(target ServiceRef) (change.Request, error)
}

// changeCommand is a planning command of the table, read from chat text.
func changeCommand(name string) command {
	return command{Name: name, Run: func(ctx context.Context, r *Router, c *call) []reply.Message {
		_, m := r.planArgs(ctx, c, name, c.line.Args, false)
		return []reply.Message{m}
	}}
}

var errUnknownChange = errors.New("not a guarded change command")

// ParseChange reads the words after a change command (name is its main
// name, "scale"), as the chat and the command line take them, into its
// typed request. dryRun is whether they ask for a dry run (--dry-run).
// On a usage error the request holds what could be read, at least the
// service.
func ParseChange(name string, args []string) (req ChangeRequest, dryRun bool, err error) {
	args, dryRun = dryRunFlag(args)
	switch name {
	case "scale":
		req, err = parseScale(args)
	case "reservation":
		req, err = parseReservation(args)
	case "autoscale":
		req, err = parseAutoscale(args)
	case "healthcheck":
		req, err = parseHealthcheck(args)
	case "rollback":
		req, err = parseRollback(args)
	default:
		return nil, dryRun, errUnknownChange
	}
	return req, dryRun, err
}

// serviceArg splits off the service that starts a service command's words.
func serviceArg(cmd string, args []string) (string, []string, error) {
	if len(args) == 0 {
		return "", nil, badArg("usage.need_service", "Command", cmd)
	}
	return args[0], args[1:], nil
}

// Plan plans req as in's user (a dry run plans only): the typed entry
// point of the guarded changes. It returns the engine's outcome (a
// RefusalError outcome when the request never reached the engine) and
// its reply in in's language; in.OnChange is told the engine's outcome.
func (r *Router) Plan(ctx context.Context, in Input, req ChangeRequest, dryRun bool) (o change.Outcome, out []reply.Message) {
	out = r.answer(ctx, req.Command(), From{User: in.User, Locale: in.Locale}, func(ctx context.Context, p text.Printer) []reply.Message {
		var m reply.Message
		o, m = r.plan(ctx, &call{in: in, p: p, line: Line{Command: req.Command()}}, req, dryRun)
		return []reply.Message{m}
	})
	return o, out
}

// PlanArgs plans the change that the words after command name ask for, as
// the chat reads them (ParseChange): the command line's one-shots, whose
// positional arguments are those words. dryRun adds to a --dry-run among
// them.
func (r *Router) PlanArgs(ctx context.Context, in Input, name string, args []string, dryRun bool) (o change.Outcome, out []reply.Message) {
	out = r.answer(ctx, name, From{User: in.User, Locale: in.Locale}, func(ctx context.Context, p text.Printer) []reply.Message {
		var m reply.Message
		o, m = r.planArgs(ctx, &call{in: in, p: p, line: Line{Command: name, Args: args}}, name, args, dryRun)
		return []reply.Message{m}
	})
	return o, out
}

func (r *Router) planArgs(ctx context.Context, c *call, name string, args []string, dryRun bool) (change.Outcome, reply.Message) {
	req, dry, err := ParseChange(name, args)
	if err != nil {
		// An unknown service, or changes that cannot run here, are said
		// before a bad argument, as the planner checks them first.
		if req != nil && req.service() != "" {
			if _, m := r.changeTarget(c, req); m != nil {
				return refusedBefore(m), *m
			}
		}
		m := r.errorReply(c.p, name, err)
		return refusedBefore(&m), m
	}
	return r.plan(ctx, c, req, dry || dryRun)
}

func (r *Router) plan(ctx context.Context, c *call, req ChangeRequest, dryRun bool) (change.Outcome, reply.Message) {
	target, m := r.changeTarget(c, req)
	if m != nil {
		return refusedBefore(m), *m
	}
	creq, err := req.request(target)
	if err != nil {
		m := r.errorReply(c.p, req.Command(), err)
		return refusedBefore(&m), m
	}
	o := r.env.Changes.Request(ctx, c.in.ask(dryRun), creq)
	return o, r.changed(c, o)[0]
}

// errNotPlanned is why a request never reached the engine: a usage error,
// an unknown service, or changes that cannot run here; the reply says which.
var errNotPlanned = errors.New("the change request was turned down before planning")

// refusedBefore is the outcome of a request the engine never saw; m says
// why, to the person who asked.
func refusedBefore(*reply.Message) change.Outcome {
	return change.Outcome{Refusal: change.RefusalError, Err: errNotPlanned}
}

// changeTarget is what a change is about (the service, or for a
// cluster-wide change the cluster), once changes are known to be able to
// run here; else the reply that says why not.
func (r *Router) changeTarget(c *call, req ChangeRequest) (ServiceRef, *reply.Message) {
	cmd := req.Command()
	var ref ServiceRef
	if rr, ok := req.(ReservationRequest); ok {
		cl, err := r.cluster(rr.Cluster)
		if err != nil {
			m := r.errorReply(c.p, cmd, err)
			return ref, &m
		}
		ref = cl
	} else {
		if req.service() == "" {
			m := r.errorReply(c.p, cmd, badArg("usage.need_service", "Command", cmd))
			return ref, &m
		}
		var bad *reply.Message
		if ref, bad = r.resolve(c, cmd, req.service()); bad != nil {
			return ref, bad
		}
	}
	return ref, r.changesReady(c, cmd)
}
