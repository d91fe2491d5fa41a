package commands

import (
	"context"
	"log/slog"
	"strings"
	"time"

	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsmedic/ecsmedic/aws"
	"github.com/ecsmedic/ecsmedic/commands/diagnose"
	"github.com/ecsmedic/ecsmedic/commands/explain"
	"github.com/ecsmedic/ecsmedic/commands/reply"
	"github.com/ecsmedic/ecsmedic/commands/text"
	"github.com/ecsmedic/ecsmedic/svcref"
)

func whyCommand() command {
	return command{Name: "why", Run: runWhy}
}

func runWhy(ctx context.Context, r *Router, c *call) []reply.Message {
	name, args, err := parseWhy(c.line.Args)
	if err != nil {
		return []reply.Message{r.errorReply(c.p, "why", err)}
	}
	return []reply.Message{r.why(ctx, c.p, WhyRequest{Service: name, TaskID: args.TaskID, Since: args.Since, From: c.from()})}
}

func (r *Router) why(ctx context.Context, p text.Printer, req WhyRequest) reply.Message {
	ref, d, snap, err := r.diagnoseRequest(ctx, req)
	if err != nil {
		return r.errorReply(p, "why", err)
	}
	return explain.Why(p, explain.View{Name: ref.Name(), D: d, Snap: snap, Loc: r.env.loc()})
}

// Diagnose answers a WhyRequest with the diagnosis itself, the contract
// of `why --format json`.
func (r *Router) Diagnose(ctx context.Context, req WhyRequest) (diagnose.Diagnosis, error) {
	ctx, cancel := context.WithTimeout(ctx, gatherTimeout)
	defer cancel()
	_, d, _, err := r.diagnoseRequest(ctx, req)
	return d, err
}

// diagnoseRequest checks a request's values as the chat parser does, so
// every front-end refuses the same things, then diagnoses.
func (r *Router) diagnoseRequest(ctx context.Context, req WhyRequest) (ServiceRef, diagnose.Diagnosis, *aws.ServiceSnapshot, error) {
	args, err := req.check()
	if err != nil {
		return ServiceRef{}, diagnose.Diagnosis{}, nil, err
	}
	ref, err := r.env.Resolve(req.Service)
	if err != nil {
		return ServiceRef{}, diagnose.Diagnosis{}, nil, err
	}
	d, snap, err := r.diagnose(ctx, ref, args)
	return ref, d, snap, err
}

// check is the request's arguments, or the usage error the chat parser
// would give for them.
func (req WhyRequest) check() (WhyArgs, error) {
	if req.Service == "" {
		return WhyArgs{}, badArg("usage.need_service", "Command", "why")
	}
	a := WhyArgs{Since: req.Since}
	if req.Since < 0 || req.Since > maxSince {
		return WhyArgs{}, badArg("usage.since_range", "Arg", req.Since.String())
	}
	if req.TaskID != "" {
		if a.TaskID = taskID(req.TaskID); a.TaskID == "" {
			return WhyArgs{}, badArg("usage.unexpected", "Arg", req.TaskID, "Command", "why")
		}
	}
	return a, nil
}

// whyLogLines is how many log lines a diagnosis reads per task.
const whyLogLines = 50

func (r *Router) diagnose(ctx context.Context, ref ServiceRef, args WhyArgs) (diagnose.Diagnosis, *aws.ServiceSnapshot, error) {
	if r.env.AWS == nil {
		return diagnose.Diagnosis{}, nil, errNoAWS
	}
	gopt := aws.GatherOptions{LogLines: whyLogLines}
	dopt := diagnose.Options{Alias: ref.Name(), Prefix: r.env.prefix(), TaskID: args.TaskID, Limits: r.env.Limits}
	if args.Since > 0 {
		since := r.env.now().Add(-args.Since)
		gopt.Since, dopt.Since = since, since
	}
	snap, err := r.env.AWS.GatherService(svcref.WithTarget(ctx, ref.Target), ref.Cluster, ref.Service, gopt)
	if err != nil {
		return diagnose.Diagnosis{}, nil, err
	}
	dopt.TaskID = expandTaskID(snap, args.TaskID)
	dopt.History = r.history(ref, args.Since)
	return diagnose.Diagnose(snap, dopt), snap, nil
}

// historyWindow is how far back why reads the bot's own stop history by
// default: long enough for a stop ECS has forgotten, short enough to stay
// about "recently".
const historyWindow = 24 * time.Hour

// history is the service's stops the bot recorded itself, so that a stop
// ECS has forgotten (about an hour later) is still explained. Without a
// store, or when it cannot be read, the diagnosis goes on without it.
func (r *Router) history(ref ServiceRef, since time.Duration) []diagnose.Stop {
	if r.env.Stops == nil {
		return nil
	}
	if since <= 0 {
		since = historyWindow
	}
	recs, err := r.env.Stops.Stops(ref.StoreCluster(), ref.Service, r.env.now().Add(-since))
	if err != nil {
		slog.Warn("reading the stop history", "service", ref.Service, "err", err)
		return nil
	}
	return diagnose.StopsFromRecords(recs)
}

// expandTaskID turns the short ID people type (5e1f6c3a) into the full ID
// of the one gathered task it starts, so the diagnosis can find it.
func expandTaskID(snap *aws.ServiceSnapshot, id string) string {
	if id == "" || snap == nil {
		return id
	}
	found := ""
	for _, list := range [][]ecstypes.Task{snap.Stopped, snap.Running} {
		for _, t := range list {
			full := t.TaskArn
			if full == nil {
				continue
			}
			tid := strings.ToLower((*full)[strings.LastIndex(*full, "/")+1:])
			if strings.HasPrefix(tid, id) {
				if found != "" && found != tid {
					return id // ambiguous: let the diagnosis say so
				}
				found = tid
			}
		}
	}
	if found == "" {
		return id
	}
	return found
}
