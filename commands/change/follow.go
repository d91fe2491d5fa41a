package change

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsmedic/ecsmedic/aws"
	"github.com/ecsmedic/ecsmedic/store"
)

// followInBackground follows a deployment in a goroutine; its progress and
// outcome go through Update.
func (e *Engine) followInBackground(c store.Change, plan *Plan) {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	e.cancel = append(e.cancel, cancel)
	e.wg.Add(1)
	e.mu.Unlock()
	go func() {
		defer e.wg.Done()
		defer cancel()
		o := e.follow(ctx, c, plan)
		if ctx.Err() != nil {
			return // stopped; Resume picks it up at the next start
		}
		if cur, err := e.store.Change(c.ID); err == nil {
			o.Change = cur
		}
		e.update(o)
	}()
}

// rollout is where a deployment stands.
type rollout struct {
	state            string // "steady", "failed" or "" (under way)
	running, desired int
	revision         string
	reason, event    string
}

func rolloutOf(svc ecstypes.Service, want string) rollout {
	r := rollout{running: int(svc.RunningCount), desired: int(svc.DesiredCount), revision: revName(awssdk.ToString(svc.TaskDefinition))}
	var primary *ecstypes.Deployment
	for i, d := range svc.Deployments {
		if awssdk.ToString(d.Status) == "PRIMARY" {
			primary = &svc.Deployments[i]
		}
	}
	if primary != nil {
		r.running, r.desired = int(primary.RunningCount), int(primary.DesiredCount)
		// Events come newest first: the latest, if it is about this
		// deployment, says where it stands.
		if len(svc.Events) > 0 {
			ev := svc.Events[0]
			if ev.CreatedAt != nil && primary.CreatedAt != nil && !ev.CreatedAt.Before(*primary.CreatedAt) {
				r.event = awssdk.ToString(ev.Message)
			}
		}
	}
	switch {
	case want != "" && r.revision != want:
		r.state, r.reason = "failed", fmt.Sprintf("the service now runs %s, not %s (the circuit breaker rolled it back, or someone deployed)", r.revision, want)
	case primary != nil && primary.RolloutState == ecstypes.DeploymentRolloutStateFailed:
		r.state, r.reason = "failed", awssdk.ToString(primary.RolloutStateReason)
	case primary != nil && primary.RolloutState != ecstypes.DeploymentRolloutStateInProgress &&
		len(svc.Deployments) == 1 && int(svc.RunningCount) == int(svc.DesiredCount):
		r.state = "steady"
	case primary == nil && int(svc.RunningCount) == int(svc.DesiredCount):
		r.state = "steady"
	}
	return r
}

func (e *Engine) describe(ctx context.Context, t Target) (ecstypes.Service, error) {
	clients, err := e.clients(forTarget(ctx, t))
	if err != nil {
		return ecstypes.Service{}, err
	}
	out, err := clients.ECS.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: awssdk.String(t.Cluster), Services: []string{t.Service}})
	if err != nil {
		return ecstypes.Service{}, aws.Explain(err)
	}
	if len(out.Services) == 0 {
		return ecstypes.Service{}, fmt.Errorf("service %s not found in cluster %s", t.Service, t.Cluster)
	}
	return out.Services[0], nil
}

// follow polls the service until the deployment is steady, failed or out
// of time, reporting each new state through Update.
func (e *Engine) follow(ctx context.Context, c store.Change, plan *Plan) Outcome {
	t := plan.Request.Target
	want := revName(plan.NewTaskDefinition)
	if want == "" {
		want = plan.State["taskDefinition"]
	}
	deadline := e.now().Add(e.opt.FollowTimeout)
	last := ""
	waited := false // the new task waited for the host the plan expects
	for {
		svc, err := e.describe(ctx, t)
		if err != nil {
			slog.WarnContext(ctx, "following a deployment: read failed", "change", c.ID, "err", err)
			if ctx.Err() != nil {
				return e.result(c, plan)
			}
		} else {
			r := rolloutOf(svc, want)
			switch r.state {
			case "steady":
				return e.finish(ctx, c, plan, store.StatusApplied, T("outcome.steady", "Service", t.Name(), "Revision", r.revision, "Running", r.running, "Desired", r.desired))
			case "failed":
				plan.Rollback = plan.Revision != "" && plan.Request.Kind != KindScaleCount
				return e.finish(ctx, c, plan, store.StatusFailed, T("outcome.deploy_failed", "Service", t.Name(), "Reason", r.reason))
			}
			id := "progress.deploying"
			switch {
			case plan.waitsForHost() && r.running < r.desired && strings.Contains(r.event, "unable to place a task"):
				// ECS's words alone read like a failure; the plan said so.
				id, waited = "progress.waits_for_host", true
			case waited && r.running > 0:
				id, waited = "progress.host_joined", false // said once
			}
			prog := T(id, "Revision", r.revision, "Running", r.running, "Desired", r.desired)
			if r.event != "" {
				prog.Args["Event"] = r.event
			}
			if key := fmt.Sprint(prog); key != last {
				last = key
				plan.Progress = &prog
				e.update(e.result(c, clonePlan(plan)))
			}
		}
		if e.now().After(deadline) {
			plan.Rollback = plan.Revision != "" && plan.Request.Kind != KindScaleCount
			return e.finish(ctx, c, plan, store.StatusFailed, T("outcome.timeout", "Service", t.Name(), "Minutes", int(e.opt.FollowTimeout.Minutes())))
		}
		if err := e.wait(ctx, e.opt.PollEvery); err != nil {
			return e.result(c, plan)
		}
	}
}

// waitsForHost says whether the plan placed the new task only once the
// cluster adds an instance (a passed "reason.add" placement check).
func (p *Plan) waitsForHost() bool {
	for _, c := range p.Checks {
		if c.Pass && strings.HasPrefix(c.Reason.ID, "reason.add.") {
			return true
		}
	}
	return false
}
